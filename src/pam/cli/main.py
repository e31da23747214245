"""The `pam` command. Each command builds its own `Settings()` when it runs, never at import."""

from __future__ import annotations

import typer

from pam.cli import config_cmd, db, serve

app = typer.Typer(
    name="pam",
    help="PAM Context: a self-hosted business knowledge layer with cited answers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("config")(config_cmd.config)
app.add_typer(db.app, name="db")


if __name__ == "__main__":  # pragma: no cover
    app()
