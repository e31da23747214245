"""`pam sources add git|github|drive|website|folder`: register a source (then `pam sources sync NAME`).

Credentials are never arguments (they would show in the process list and the shell history): they
come from an environment variable, standard input or a file. A Git URL with a password or token in
it is taken apart: the URL is stored without it, the secret as the source's credentials.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import typer
from rich.markup import escape

from pam.cli.output import fail, print_json, stderr, stdout
from pam.cli.source_common import (
    Exclude,
    Include,
    Json,
    Name,
    Project,
    Schedule,
    SecretEnv,
    SecretStdin,
    as_dict,
    stored,
    token_from,
)
from pam.services.sources import SourceSpec

add_app = typer.Typer(help="Register a source (then `pam sources sync NAME`).", no_args_is_help=True)


def _register(spec: SourceSpec, json_out: bool) -> None:
    view = stored(lambda sources, scope: sources.create(scope, spec))
    if json_out:
        print_json(as_dict(view))
    else:
        stdout().print(
            f"added {view.source.type} source [bold]{escape(view.source.name)}[/] ({view.source.id}); "
            f"sync it with `pam sources sync {escape(view.source.name)}`",
            highlight=False,
        )


@add_app.command("git")
def add_git(
    url: Annotated[str, typer.Argument(help="Anything `git clone` takes: https, ssh or file URL.")],
    name: Name,
    branch: Annotated[str | None, typer.Option("--branch", "-b", help="Default: the remote's HEAD.")] = None,
    project: Project = None,
    include: Include = None,
    exclude: Exclude = None,
    schedule: Schedule = None,
    token_env: SecretEnv = None,
    token_stdin: SecretStdin = False,
    ssh_key_file: Annotated[
        Path | None, typer.Option("--ssh-key-file", help="A private key for ssh URLs.")
    ] = None,
    web_url: Annotated[
        str | None, typer.Option("--web-url", help="Link for citations, with {path}, {branch}.")
    ] = None,
    json_out: Json = False,
) -> None:
    """A branch of a Git repository, synced by commit; each file's commits become its change history."""
    credentials: dict[str, str] = {}
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and (parts.username or parts.password):
        # Never stored, shown or logged with the URL: the secret becomes the source's credentials.
        credentials = {"token": parts.password or parts.username or ""}
        if parts.password and parts.username:
            credentials["username"] = parts.username
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        url = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
        stderr().print("the credentials in the URL are stored encrypted, apart from it")
    if (token := token_from(token_env, token_stdin)) is not None:
        credentials["token"] = token
    if ssh_key_file is not None:
        credentials["ssh_key"] = ssh_key_file.read_text(encoding="utf-8")
    config: dict[str, Any] = {"url": url, "branch": branch, "exclude": exclude or [], "web_url": web_url}
    if include:
        config["include"] = include
    spec = SourceSpec("git", name, project, config, credentials or None, schedule)
    _register(spec, json_out)


@add_app.command("github")
def add_github(
    repository: Annotated[str, typer.Argument(help="owner/name")],
    name: Name,
    project: Project = None,
    schedule: Schedule = None,
    token_env: SecretEnv = None,
    token_stdin: SecretStdin = False,
    no_issues: Annotated[bool, typer.Option("--no-issues", help="Leave issues out.")] = False,
    no_pull_requests: Annotated[
        bool, typer.Option("--no-pull-requests", help="Leave pull requests out.")
    ] = False,
    api_url: Annotated[
        str, typer.Option("--api-url", help="GitHub Enterprise: https://HOST/api/v3")
    ] = "https://api.github.com",
    json_out: Json = False,
) -> None:
    """A GitHub repository's issues and pull requests with their comments."""
    token = token_from(token_env, token_stdin)
    config = {
        "repository": repository,
        "issues": not no_issues,
        "pull_requests": not no_pull_requests,
        "api_url": api_url,
    }
    _register(
        SourceSpec("github", name, project, config, {"token": token} if token else None, schedule), json_out
    )


@add_app.command("drive")
def add_drive(
    name: Name,
    folder_id: Annotated[
        str | None, typer.Option("--folder", help="A Drive folder id (synced recursively).")
    ] = None,
    drive_id: Annotated[str | None, typer.Option("--shared-drive", help="A shared drive id.")] = None,
    service_account_file: Annotated[
        Path | None, typer.Option("--service-account-file", help="A service account's JSON key.")
    ] = None,
    oauth_file: Annotated[
        Path | None,
        typer.Option(
            "--oauth-file", help="JSON with client_id, client_secret, refresh_token (and token_uri)."
        ),
    ] = None,
    project: Project = None,
    schedule: Schedule = None,
    api_url: Annotated[str | None, typer.Option("--api-url", help="Another Drive API endpoint.")] = None,
    json_out: Json = False,
) -> None:
    """A Google Drive folder or shared drive: Docs, Sheets, Slides, PDFs, DOCX and XLSX files."""
    if (service_account_file is None) == (oauth_file is None):
        fail("give one of --service-account-file or --oauth-file")
    if service_account_file is not None:
        credentials = {"service_account_json": service_account_file.read_text(encoding="utf-8")}
    else:
        assert oauth_file is not None
        loaded = json.loads(oauth_file.read_text(encoding="utf-8"))
        loaded = loaded.get("installed") or loaded.get("web") or loaded if isinstance(loaded, dict) else {}
        wanted = ("client_id", "client_secret", "refresh_token", "token_uri")
        credentials = {k: str(loaded[k]) for k in wanted if loaded.get(k)}
    config = {"folder_id": folder_id, "drive_id": drive_id, "api_url": api_url}
    _register(SourceSpec("google_drive", name, project, config, credentials, schedule), json_out)


@add_app.command("website")
def add_website(
    start_url: Annotated[str, typer.Argument(help="The first page; only its host is crawled.")],
    name: Name,
    sitemap: Annotated[str | None, typer.Option("--sitemap", help="A sitemap.xml to start from.")] = None,
    max_pages: Annotated[int, typer.Option("--max-pages", min=1, max=20000)] = 500,
    rate: Annotated[float, typer.Option("--rate", help="Requests per second at most.")] = 2.0,
    include: Include = None,
    exclude: Exclude = None,
    project: Project = None,
    schedule: Schedule = None,
    authorization_env: Annotated[
        str | None,
        typer.Option("--authorization-env", help="Environment variable with an Authorization header."),
    ] = None,
    json_out: Json = False,
) -> None:
    """A website (same host only, robots.txt respected, at most --rate requests per second)."""
    header = token_from(authorization_env, False)
    config = {
        "start_url": start_url,
        "sitemap_url": sitemap,
        "max_pages": max_pages,
        "requests_per_second": rate,
        "include": include or [],
        "exclude": exclude or [],
    }
    credentials = {"authorization": header} if header else None
    _register(SourceSpec("website", name, project, config, credentials, schedule), json_out)


@add_app.command("folder")
def add_folder(
    path: Annotated[str, typer.Argument(help="A folder under PAM_INGEST_ROOTS.")],
    name: Name,
    project: Project = None,
    include: Include = None,
    exclude: Exclude = None,
    schedule: Schedule = None,
    json_out: Json = False,
) -> None:
    """A folder on the server's disk (the same as `pam ingest`, kept as a source with a schedule)."""
    config = {"path": path, "include": include or [], "exclude": exclude or []}
    _register(SourceSpec("folder", name, project, config, None, schedule), json_out)
