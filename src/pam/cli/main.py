"""The `pam` command. Each command builds its own `Settings()` when it runs, never at import."""

from __future__ import annotations

import typer

from pam.cli import (
    ask_cmd,
    backup_cmd,
    config_cmd,
    db,
    eval_answers_cmd,
    glossary_cmd,
    ingest_cmd,
    mcp_cmd,
    projects_cmd,
    search_cmd,
    serve,
    sources_cmd,
    sql_cmd,
    users_cmd,
    worker_cmd,
)

app = typer.Typer(
    name="pam",
    help="PAM Context: a self-hosted business knowledge layer with cited answers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("config")(config_cmd.config)
app.command("ingest")(ingest_cmd.ingest)
app.command("search")(search_cmd.search)
app.command("ask")(ask_cmd.ask)
app.command("sql")(sql_cmd.sql)
app.command("worker")(worker_cmd.worker)
app.command("mcp")(mcp_cmd.mcp)
app.command("backup")(backup_cmd.backup)
app.command("restore")(backup_cmd.restore)
app.add_typer(db.app, name="db")
app.add_typer(users_cmd.app, name="users")
app.add_typer(projects_cmd.app, name="projects")
app.add_typer(glossary_cmd.app, name="glossary")
app.add_typer(eval_answers_cmd.eval_app, name="eval")
app.add_typer(sources_cmd.app, name="sources")


if __name__ == "__main__":  # pragma: no cover
    app()
