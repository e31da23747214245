"""`pam config`: the effective settings, secrets masked."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pam.cli.output import print_json, stdout
from pam.settings import Settings


def config(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Print the effective settings (environment, .env and defaults) with secrets masked."""
    shown = Settings().masked()
    if json_out:
        print_json(shown)
        return
    table = Table("setting", "value", title="PAM Context settings")
    for name, value in shown.items():
        table.add_row(f"PAM_{name.upper()}", "" if value is None else str(value))
    stdout().print(table)
