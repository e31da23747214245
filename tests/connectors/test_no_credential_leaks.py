"""No credential reaches an API response, a log line, a task record, an error or any file in the data
dir: a real `pam serve` (debug logs) syncs every kind of remote source, with good and with refused
credentials, and everything it said and stored is searched for the marker tokens (as written and
in the encodings a header would carry them)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from pam.connectors.redact import secret_forms
from tests.connectors.worlds import GitRepoWorld
from tests.fakes.drive_api import FakeDrive
from tests.fakes.github_api import FakeGitHub
from tests.fakes.website import FakeWebsite
from tests.served import served

TERMINAL = ("completed", "failed", "cancelled")


def marker(kind: str) -> str:
    return f"MARKER{kind}{uuid.uuid4().hex}"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


class Client:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.bodies: list[str] = []

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, url, **kwargs)
        self.bodies.append(response.text)
        return response

    def add(self, body: dict[str, Any]) -> dict[str, Any]:
        r = self.call("POST", "/api/sources", json={**body, "sync": True})
        assert r.status_code == 201, r.text
        source: dict[str, Any] = r.json()
        return source

    def wait(self, task_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + 180
        while True:
            task: dict[str, Any] = self.call("GET", f"/api/ingest/tasks/{task_id}").json()
            if task["status"] in TERMINAL:
                return task
            assert time.monotonic() < deadline, task
            time.sleep(0.2)


def test_no_credential_is_ever_shown_logged_or_stored_in_clear(tmp_path: Path) -> None:
    gh_token, gh_wrong = marker("ghp"), marker("ghpwrong")
    git_token, web_auth = marker("git"), f"Bearer {marker('web')}"
    client_secret, refresh_token, wrong_refresh = marker("cs"), marker("rt"), marker("rtwrong")
    patched = marker("patched")
    github = FakeGitHub(token=gh_token)
    github.add_issue("Leaky issue", "Nothing secret in here.", comments=["A comment."])
    other_github = FakeGitHub(token=marker("other"))  # refuses the token it is given
    drive = FakeDrive(client_secret=client_secret, refresh_token=refresh_token)
    # One folder per Drive source (a project registers a place once).
    folders = [drive.folder(name, parent=None) for name in ("One", "Two", "Three")]
    for folder in folders:
        drive.doc("Leaky doc", "Nothing secret in the doc either.", parent=folder)
    service_key = drive.service_account()
    site = FakeWebsite()
    site.put("/docs/page.html", "Page", "A public page.")
    (tmp_path / "git").mkdir()
    repo = GitRepoWorld(tmp_path / "git")
    repo.add("readme", "A repository document.")
    secrets = [gh_token, gh_wrong, git_token, web_auth, client_secret, refresh_token, wrong_refresh, patched]
    oauth = {"client_id": drive.oauth[0], "client_secret": client_secret, "token_uri": drive.token_uri}
    log = tmp_path / "server.log"
    data = tmp_path / "data"
    try:
        with served(
            tmp_path, log=log, PAM_LOG_LEVEL="debug", PAM_LOG_FORMAT="json", PAM_CONNECTOR_BACKOFF_S="0.01"
        ) as base:
            api = Client(base)
            gh = {"repository": "acme/handbook", "api_url": github.url}
            sources = [
                api.add({"type": "github", "name": "gh", "config": gh, "credentials": {"token": gh_token}}),
                api.add(
                    {
                        "type": "github",
                        "name": "gh-wrong",
                        "config": {**gh, "api_url": other_github.url},
                        "credentials": {"token": gh_wrong},
                    }
                ),
                api.add(
                    {
                        "type": "git",
                        "name": "git-file",
                        "config": {"url": repo.url},
                        "credentials": {"token": git_token},
                    }
                ),
                api.add(
                    {
                        "type": "git",
                        "name": "git-unreachable",
                        "config": {"url": f"https://127.0.0.1:{closed_port()}/team/repo.git"},
                        "credentials": {"token": git_token, "username": "deploy"},
                    }
                ),
                api.add(
                    {
                        "type": "google_drive",
                        "name": "drive-oauth",
                        "config": {"folder_id": folders[0], "api_url": drive.api_url},
                        "credentials": {**oauth, "refresh_token": refresh_token},
                    }
                ),
                api.add(
                    {
                        "type": "google_drive",
                        "name": "drive-refused",
                        "config": {"folder_id": folders[1], "api_url": drive.api_url},
                        "credentials": {**oauth, "refresh_token": wrong_refresh},
                    }
                ),
                api.add(
                    {
                        "type": "google_drive",
                        "name": "drive-service",
                        "config": {"folder_id": folders[2], "api_url": drive.api_url},
                        "credentials": {"service_account_json": service_key},
                    }
                ),
                api.add(
                    {
                        "type": "website",
                        "name": "site",
                        "config": {"start_url": site.url + "/", "requests_per_second": 50},
                        "credentials": {"authorization": web_auth},
                    }
                ),
            ]
            tasks = {s["name"]: api.wait(s["active_task"]["id"]) for s in sources}
            statuses = {name: t["status"] for name, t in tasks.items()}
            assert statuses == {
                "gh": "completed",
                "gh-wrong": "failed",
                "git-file": "completed",
                "git-unreachable": "failed",
                "drive-oauth": "completed",
                "drive-refused": "failed",
                "drive-service": "completed",
                "site": "completed",
            }, {n: (t["status"], t["error"]) for n, t in tasks.items()}
            assert "refused" in (tasks["gh-wrong"]["error"] or "")
            assert "refused" in (tasks["drive-refused"]["error"] or "")
            # The services saw the credentials, so they really were used (and are the things not to leak).
            assert any(r.headers.get("authorization") == web_auth for r in site.http.log)
            assert any(r.headers.get("authorization") == f"Bearer {gh_token}" for r in github.http.log)
            assert drive.tokens, "the token endpoint issued tokens for the good credentials"
            r = api.call(
                "PATCH", f"/api/sources/{sources[0]['id']}", json={"credentials": {"token": patched}}
            )
            assert r.status_code == 200 and r.json()["has_credentials"] is True
            api.call("POST", f"/api/sources/{sources[0]['id']}/sync")
            api.call(
                "POST",
                "/api/sources",
                json={"type": "github", "name": "x", "config": gh, "credentials": {"token": 5}},
            )
            api.call(
                "POST",
                "/api/sources",
                json={"type": "github", "name": "y", "config": gh, "credentials": {"tok": gh_token}},
            )
            for source in sources:
                api.call("GET", f"/api/sources/{source['id']}")
            api.call("GET", "/api/sources")
            api.call("GET", "/api/ingest/tasks", params={"limit": 200})
            for task in tasks.values():
                api.call("GET", f"/api/ingest/tasks/{task['id']}")
            api.call("GET", "/api/documents", params={"status": "all", "limit": 200})
            api.call("POST", "/api/search", json={"query": "secret"})
            api.http.close()
        cli = _cli(tmp_path, data, ["sources", "list", "--json"]) + _cli(
            tmp_path, data, ["sources", "show", "gh", "--json"]
        )
    finally:
        for closing in (github, other_github, drive, site, repo):
            closing.close()

    key_lines = [line for line in service_key.split("\\n") if re.fullmatch(r"[A-Za-z0-9+/=]{40,}", line)]
    assert len(key_lines) > 10, "the private key's lines are searched for too"
    forms = secret_forms([*secrets, *key_lines])
    places = {
        "API responses": "\n".join(api.bodies),
        "server log": log.read_text(encoding="utf-8", errors="replace"),
        "CLI output": cli,
    }
    for path in data.rglob("*"):
        if path.is_file():
            places[f"data dir file {path.relative_to(data)}"] = path.read_bytes().decode("latin-1")
    found = [(where, form[:24]) for where, text in places.items() for form in forms if form in text]
    assert found == [], found
    assert len(places["server log"].splitlines()) > 50, "the server logged (at debug level)"


def _cli(workdir: Path, data: Path, args: list[str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
    env.update(PAM_DATA_DIR=str(data), PAM_EMBED_WORKERS="1", PAM_LOG_LEVEL="debug")
    done = subprocess.run(
        [sys.executable, "-m", "pam.cli.main", *args],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr
