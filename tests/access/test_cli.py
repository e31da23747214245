"""`pam users ...` and `pam projects ...` against a temporary data dir; `pam serve` refusing an open bind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pam.settings import is_loopback_host
from tests.access.conftest import cli_app


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_app(), list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _users(*extra: str) -> list[dict[str, object]]:
    code, out, _ = run("users", "list", "--json", *extra)
    assert code == 0
    users: list[dict[str, object]] = json.loads(out)
    return users


def test_users_add_list_set_role_disable(cli_env: Path) -> None:
    assert run("projects", "add", "finance", "--description", "money")[0] == 0
    code, out, _ = run("projects", "list", "--json")
    assert code == 0 and {p["name"] for p in json.loads(out)} == {"default", "finance"}

    code, out, err = run(
        "users",
        "add",
        "Ann@Example.com",
        "--name",
        "Ann",
        "--password-stdin",
        "--project",
        "finance",
        "--role",
        "editor",
        input="a good long password\n",
    )
    assert code == 0, err
    assert "ann@example.com" in out and "finance:editor" in out
    code, _, err = run("users", "add", "root@example.com", "--admin")
    assert code == 0 and "no password" in err

    users = {u["email"]: u for u in _users()}
    assert set(users) == {"ann@example.com", "root@example.com"}
    ann = users["ann@example.com"]
    assert ann["has_password"] is True and ann["active"] is True and ann["name"] == "Ann"
    assert ann["projects"] == [{"id": ann["projects"][0]["id"], "name": "finance", "role": "editor"}]  # type: ignore[index]
    assert (
        users["root@example.com"]["is_admin"] is True and users["root@example.com"]["has_password"] is False
    )
    # How each signs in: a password, or nothing yet (invited: a provider sign-in with this email links).
    assert ann["sign_in"] == ["password"] and users["root@example.com"]["sign_in"] == []
    code, out, _ = run("users", "list")
    assert code == 0 and "signs in with" in out and "invited" in out and "password" in out

    assert run("users", "set-role", "ann@example.com", "--project", "default", "--role", "viewer")[0] == 0
    assert run("users", "set-role", "ann@example.com", "--project", "finance", "--role", "admin")[0] == 0
    roles = {p["name"]: p["role"] for u in _users() if u["email"] == "ann@example.com" for p in u["projects"]}  # type: ignore[attr-defined]
    assert roles == {"default": "viewer", "finance": "admin"}

    assert run("users", "disable", "ann@example.com")[0] == 0
    assert {u["email"]: u["active"] for u in _users()}["ann@example.com"] is False
    assert run("users", "enable", "ann@example.com")[0] == 0
    assert run("users", "remove-role", "ann@example.com", "--project", "default")[0] == 0
    code, out, _ = run("users", "list")
    assert code == 0 and "ann@example.com" in out and "finance:admin" in out
    assert "a good long password" not in out


def test_cli_errors_are_one_line_and_exit_1(cli_env: Path) -> None:
    assert run("users", "add", "dup@example.com")[0] == 0
    for args, needle in (
        (("users", "add", "dup@example.com"), "already exists"),
        (("users", "add", "not-an-email"), "not a valid email"),
        (("users", "add", "x@example.com", "--project", "nope"), "no project named"),
        (("users", "add", "y@example.com", "--project", "default", "--role", "owner"), "role must be"),
        (
            ("users", "set-role", "ghost@example.com", "--project", "default", "--role", "viewer"),
            "user not found",
        ),
        (("users", "set-role", "dup@example.com", "--project", "default", "--role", "god"), "role must be"),
        (("users", "disable", "ghost@example.com"), "user not found"),
        (("projects", "add", "default"), "already exists"),
        (("projects", "add", "   "), "project name"),
    ):
        code, _, err = run(*args)
        assert code == 1, args
        assert needle in err and "Traceback" not in err
    # A failed add with a role leaves no half-created user behind.
    assert "x@example.com" not in {u["email"] for u in _users()}


def test_password_stdin_is_validated_and_never_echoed(cli_env: Path) -> None:
    code, out, err = run("users", "add", "p@example.com", "--password-stdin", input="short\n")
    assert code == 1 and "at least" in err and "short" not in out
    code, _, err = run("users", "add", "p@example.com", "--password-stdin", input="")
    assert code == 1 and "no password" in err
    assert run("users", "add", "p@example.com", "--password-stdin", input="first long password\n")[0] == 0
    code, out, err = run(
        "users", "set-password", "p@example.com", "--password-stdin", input="second long password\n"
    )
    assert code == 0 and "second long password" not in out + err


def test_serve_refuses_an_open_bind_without_auth(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
    env.update(PAM_AUTH="none", PAM_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [sys.executable, "-m", "pam.cli.main", "serve", "--host", "0.0.0.0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "refusing to listen on 0.0.0.0 with PAM_AUTH=none" in result.stderr
    assert not (tmp_path / "data").exists()  # refused before opening anything


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.8.9.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
