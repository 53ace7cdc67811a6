"""Password hashing (argon2id, off the event loop) and the password policy."""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from partner_contact.errors import DomainError, FieldError
from partner_contact.settings import AuthSettings


def make_hasher(settings: AuthSettings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


async def hash_password(hasher: PasswordHasher, password: str) -> str:
    return await anyio.to_thread.run_sync(hasher.hash, password)


async def verify_password(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(verify)


# zxcvbn scores 0-4 against its bundled lists of common passwords, words and names.
MIN_STRENGTH = 3


def check_password_policy(password: str, *, username: str, min_length: int) -> None:
    """Refuse short, common or username-based passwords with a field error."""
    problem = None
    lowered = password.lower()
    if len(password) < min_length:
        problem = f"must be at least {min_length} characters"
    elif username and username.lower() in lowered:
        problem = "must not contain the username"
    elif zxcvbn(password[:100], user_inputs=[username])["score"] < MIN_STRENGTH:
        problem = "is too common or too easy to guess"
    if problem:
        raise DomainError(
            "weak_password",
            "The password does not meet the policy",
            status=422,
            errors=[FieldError("password", f"The password {problem}")],
        )
