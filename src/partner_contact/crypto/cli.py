"""``partner-contact keys``: create the key file, rotate and retire key-encryption keys."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partner_contact.audit.service import Actor, record_in_own_transaction
from partner_contact.crypto.errors import CryptoError
from partner_contact.crypto.keyring import (
    Keyring,
    add_kek,
    init_keyring_file,
    load_keyring,
    remove_kek,
)
from partner_contact.crypto.service import count_to_rewrap, count_under_kek, rewrap_all
from partner_contact.db.engine import create_engine
from partner_contact.settings import Settings, settings_for_command

T = TypeVar("T")
SessionMaker = async_sessionmaker[AsyncSession]


@click.group()
def keys() -> None:
    """The key file and its key-encryption keys (see docs/crypto.md)."""


@keys.command("init")
@click.option("--if-missing", is_flag=True, help="Succeed quietly if a valid key file exists.")
def init(if_missing: bool) -> None:
    """Create the key file: a new key-encryption key, blind-index key and MAC key."""
    path = settings_for_command().resolved_keyring_file
    with _reported():
        if if_missing and path.exists():
            load_keyring(path)
            return
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        keyring = init_keyring_file(path)
    click.echo(f"created {path} (active key-encryption key {keyring.active_kek_id})")
    click.echo("keep a copy of it safe, and never in the same place as database backups")


@keys.command()
@click.option("--resume", is_flag=True, help="Finish an interrupted rotation without adding a key.")
def rotate(resume: bool) -> None:
    """Add a key-encryption key, then re-wrap every data key under it."""
    settings = settings_for_command()
    path = settings.resolved_keyring_file
    with _reported():
        if not resume:
            click.echo(f"added key-encryption key {add_kek(path)}; it is now active")
        keyring = load_keyring(path)
        try:
            count = _with_database(settings, lambda maker: _rewrap_with_progress(maker, keyring))
        except KeyboardInterrupt:
            raise click.ClickException(
                "interrupted; run `partner-contact keys rotate --resume` to re-wrap the rest"
            ) from None
    _log_key_operation(settings, "keys.rotate", keyring.active_kek_id)
    click.echo(f"re-wrapped {count} data keys under {keyring.active_kek_id}")


@keys.command()
@click.argument("key_id")
def retire(key_id: str) -> None:
    """Remove key-encryption key KEY_ID once no data key is wrapped under it."""
    settings = settings_for_command()
    path = settings.resolved_keyring_file
    with _reported():
        if key_id == load_keyring(path).active_kek_id:
            raise click.ClickException(f"{key_id} is the active key-encryption key; rotate first")
        remaining = _with_database(settings, lambda maker: _count_under(maker, key_id))
        if remaining:
            raise click.ClickException(
                f"{remaining} data keys are still wrapped under {key_id}; "
                "run `partner-contact keys rotate --resume` first"
            )
        remove_kek(path, key_id)
    _log_key_operation(settings, "keys.retire", key_id)
    click.echo(f"retired {key_id}; older copies of the key file still hold it (docs/crypto.md)")


@contextmanager
def _reported() -> Iterator[None]:
    try:
        yield
    except CryptoError as exc:
        raise click.ClickException(str(exc)) from None


def _with_database(settings: Settings, work: Callable[[SessionMaker], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(settings.resolved_database_url)
        try:
            return await work(async_sessionmaker(engine, expire_on_commit=False))
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _rewrap_with_progress(session_maker: SessionMaker, keyring: Keyring) -> int:
    async with session_maker() as session:
        total = await count_to_rewrap(session, keyring)
    if total == 0:
        return 0
    with click.progressbar(length=total, label="re-wrapping data keys", file=sys.stderr) as bar:
        return await rewrap_all(
            session_maker, keyring, on_progress=lambda done, _total: bar.update(done - bar.pos)
        )


def _log_key_operation(settings: Settings, action: str, kek_id: str) -> None:
    """Key operations are in the access log like every other sensitive act."""

    async def log(session_maker: SessionMaker) -> None:
        await record_in_own_transaction(
            session_maker,
            actor=Actor(kind="system"),
            action=action,
            outcome="succeeded",
            object_type="kek",
            object_id=kek_id,
        )

    _with_database(settings, log)


async def _count_under(session_maker: SessionMaker, kek_id: str) -> int:
    async with session_maker() as session:
        return await count_under_kek(session, kek_id)
