"""Rich consoles for CLI output: results on stdout, messages and progress on stderr."""

from __future__ import annotations

import json
import sys
from typing import NoReturn

from rich.console import Console


def stdout() -> Console:
    return Console(file=sys.stdout, soft_wrap=True)


def stderr() -> Console:
    return Console(file=sys.stderr, soft_wrap=True)


def print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


def fail(message: str, code: int = 1) -> NoReturn:
    import typer
    from rich.markup import escape

    # Escaped: a message may quote a path or a name holding "[...]", which is not markup.
    stderr().print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)
