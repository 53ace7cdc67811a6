"""``partner-contact audit``: seal pending entries, verify the chain."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from partner_contact.audit.chain import (
    CheckpointFileError,
    VerifyReport,
    seal_pending,
    verify_chain,
    write_checkpoint,
)
from partner_contact.crypto.errors import KeyringError
from partner_contact.crypto.keyring import load_keyring
from partner_contact.db.engine import create_engine
from partner_contact.settings import settings_for_command

T = TypeVar("T")
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _with_engine(work: Callable[[AsyncEngine], Coroutine[Any, Any, T]]) -> T:
    settings = settings_for_command()

    async def run() -> T:
        engine = create_engine(settings.resolved_database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _read_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = load_pem_public_key(path.read_bytes())
    except ValueError:
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise click.BadParameter("not a PEM Ed25519 public key", param_hint="--public-key")
    return key


@click.group()
def audit() -> None:
    """The tamper-evident access log."""


@audit.command("public-key")
def public_key_command() -> None:
    """Print the PEM public key that verifies checkpoint signatures (give it to auditors)."""
    settings = settings_for_command()
    try:
        signer = load_keyring(settings.resolved_keyring_file).audit_signer()
    except KeyringError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        signer.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode(),
        nl=False,
    )


@audit.command()
def checkpoint() -> None:
    """Seal pending entries, then sign and export a checkpoint of the chain head now."""
    settings = settings_for_command()
    try:
        signer = load_keyring(settings.resolved_keyring_file).audit_signer()
    except KeyringError as exc:
        raise click.ClickException(str(exc)) from None

    async def run(engine: AsyncEngine) -> int:
        await seal_pending(engine)
        return (await write_checkpoint(engine, signer, settings.resolved_checkpoint_file)).seq

    click.echo(
        f"checkpoint at seq {_with_engine(run)} written to {settings.resolved_checkpoint_file}"
    )


@audit.command()
def seal() -> None:
    """Seal the pending entries into the chain now."""
    sealed = _with_engine(seal_pending)
    click.echo(f"sealed {sealed} entries")


@audit.command()
@click.option(
    "--checkpoints",
    type=_FILE,
    help="Exported checkpoints (JSON lines) to check the chain against.",
)
@click.option(
    "--public-key", type=_FILE, help="PEM Ed25519 public key that checks checkpoint signatures."
)
def verify(checkpoints: Path | None, public_key: Path | None) -> None:
    """Check the chain and checkpoints; exit 1 at the first broken entry."""
    key = _read_public_key(public_key) if public_key else None

    async def run(engine: AsyncEngine) -> VerifyReport:
        return await verify_chain(engine, public_key=key, checkpoints_path=checkpoints)

    try:
        report = _with_engine(run)
    except CheckpointFileError as exc:
        raise click.BadParameter(str(exc), param_hint="--checkpoints") from None
    except (ValueError, TypeError, StatementError):
        # Someone wrote a value of the wrong kind into a column (SQLite stores anything).
        click.echo(
            "chain broken: an entry cannot be read (a column holds a value of the wrong kind)"
        )
        sys.exit(1)
    if report.problem is not None:
        problem = report.problem
        entry = f" (entry {problem.entry_id})" if problem.entry_id else ""
        click.echo(f"chain broken at seq {problem.seq}{entry}: {problem.kind}: {problem.detail}")
        sys.exit(1)
    click.echo(f"chain intact: {report.entries} entries")
    click.echo(f"{report.unsealed} entries awaiting seal")
    signatures = "signatures checked" if report.signatures_checked else "signatures not checked"
    click.echo(f"{report.checkpoints} checkpoints checked ({signatures})")
