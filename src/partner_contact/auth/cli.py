"""``partner-contact users``: bootstrap accounts from the server's shell."""

from __future__ import annotations

import asyncio

import click
from sqlalchemy.ext.asyncio import async_sessionmaker

from partner_contact.audit.service import Actor, record_access
from partner_contact.auth.context import AuthContext
from partner_contact.auth.roles import Role
from partner_contact.auth.users import create_user
from partner_contact.clock import utc_now
from partner_contact.crypto.keyring import KeyringFile
from partner_contact.db.engine import create_engine
from partner_contact.errors import DomainError
from partner_contact.settings import settings_for_command


@click.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.option("--username", required=True, help="Sign-in name (letters, digits, . _ -).")
@click.option("--display-name", required=True, help="Name shown to colleagues.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.password_option(help="Prompted for when not given; never put it on the command line.")
def create(username: str, display_name: str, role: str, password: str) -> None:
    """Create a staff account (the first admin, typically). The password is prompted for."""
    settings = settings_for_command()

    async def run() -> str:
        engine = create_engine(settings.resolved_database_url)
        session_maker = async_sessionmaker(engine, expire_on_commit=False)
        ctx = AuthContext.create(
            settings=settings.auth,
            keyring_file=KeyringFile(settings.resolved_keyring_file),
            session_maker=session_maker,
            clock=utc_now,
        )
        try:
            async with session_maker.begin() as session:
                user = await create_user(
                    session,
                    ctx,
                    username=username,
                    display_name=display_name,
                    role=Role(role),
                    password=password,
                )
                await record_access(
                    session,
                    actor=Actor(kind="system", id=None, role=None),
                    action="user.create",
                    outcome="succeeded",
                    object_type="staff_user",
                    object_id=str(user.id),
                    clock=utc_now,
                )
                return str(user.id)
        finally:
            await engine.dispose()

    try:
        user_id = asyncio.run(run())
    except DomainError as exc:
        details = "; ".join(error.message for error in exc.errors) or exc.title
        raise click.ClickException(details) from None
    click.echo(f"created {role} {username} ({user_id})")
