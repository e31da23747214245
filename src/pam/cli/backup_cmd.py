"""`pam backup PATH` and `pam restore PATH`: a consistent copy of the embedded data, and bringing it back."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from pam.cli.output import fail, print_json, stdout
from pam.errors import PamError
from pam.logs import configure_logging
from pam.services.backup import create_backup, restore_backup
from pam.settings import Settings


def backup(
    path: Path = typer.Argument(..., help="A new (or empty) folder to write the backup into."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
) -> None:
    """Back up the embedded data (database, tables, uploads, generated secret) while the server runs."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        manifest = create_backup(settings, path.expanduser().resolve())
    except PamError as exc:
        fail(exc.message)
    if as_json:
        print_json(asdict(manifest))
        return
    stdout().print(
        f"backed up {manifest.documents} documents, {len(manifest.tables)} table files and "
        f"{manifest.uploads} uploads to {path} (index position {manifest.outbox_seq})"
    )


def restore(
    path: Path = typer.Argument(..., help="A folder written by `pam backup`."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Replace existing data (it is moved aside to <data dir>.before-restore-<time>).",
    ),
) -> None:
    """Restore a backup into PAM_DATA_DIR. Stop the server first; the search index is rebuilt at its next start."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        manifest = restore_backup(settings, path.expanduser().resolve(), force=force)
    except PamError as exc:
        fail(exc.message)
    stdout().print(
        f"restored {manifest.documents} documents from the backup of {manifest.created_at} into "
        f"{settings.data_dir}; the search index is rebuilt when the server starts"
    )
