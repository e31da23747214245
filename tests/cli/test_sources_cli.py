"""`pam sources ...` as a user runs it: add a Git repository, sync it (the `pam ingest --json` summary),
list and show it without its credentials, pause, schedule, remove; failures exit 1."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli_commands import INGEST_KEYS, Workspace
from tests.connectors.worlds import GitRepoWorld


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    for name in ("root", "data", "cwd"):
        (tmp_path / name).mkdir()
    return Workspace(tmp_path / "root", tmp_path / "data", tmp_path / "cwd")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepoWorld:
    (tmp_path / "git").mkdir()
    world = GitRepoWorld(tmp_path / "git")
    world.add("onboarding", "New starters get a laptop and a buddy on day one.")
    world.add("offboarding", "Leavers return the laptop to the service desk.")
    return world


def test_add_sync_list_show_pause_remove_a_git_source(workspace: Workspace, repo: GitRepoWorld) -> None:
    token = "cli-token-0123456789abcdef"
    # The token travels in the URL as people paste it: it is taken out and stored apart.
    url = repo.url
    added = workspace.run_json(
        "sources", "add", "git", url, "--name", "handbook", "--branch", "main", "--json"
    )
    assert added["type"] == "git" and added["has_credentials"] is False

    summary = workspace.run_json("sources", "sync", "handbook", "--json")
    assert set(summary) >= INGEST_KEYS
    assert (summary["status"], summary["succeeded"], summary["failed"]) == ("completed", 2, 0)
    again = workspace.run_json("sources", "sync", "handbook", "--json")
    assert (again["status"], again["total"], again["succeeded"]) == ("completed", 0, 0), (
        "nothing changed since"
    )

    done = workspace.run(
        "sources",
        "add",
        "git",
        f"https://deploy:{token}@127.0.0.1:1/team/repo.git",
        "--name",
        "private",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert token not in done.stdout + done.stderr
    listed = workspace.run_json("sources", "list", "--json")
    assert {s["name"]: s["documents"] for s in listed} == {"handbook": 2, "private": 0}
    private = workspace.run_json("sources", "show", "private", "--json")
    assert (
        private["has_credentials"] is True and private["config"]["url"] == "https://127.0.0.1:1/team/repo.git"
    )
    assert token not in str(private)

    failed = workspace.run("sources", "sync", "private", "--json")
    assert failed.returncode == 1 and token not in failed.stdout + failed.stderr
    assert '"status": "failed"' in failed.stdout

    assert workspace.run("sources", "schedule", "handbook", "every 2h").returncode == 0
    assert workspace.run("sources", "pause", "handbook").returncode == 0
    shown = workspace.run_json("sources", "show", "handbook", "--json")
    assert shown["schedule"] == "every 2h" and shown["paused"] is True and shown["next_sync_at"]

    assert workspace.run("sources", "remove", "handbook", "--yes").returncode == 0
    assert [s["name"] for s in workspace.run_json("sources", "list", "--json")] == ["private"]
    repo.close()


def test_bad_input_is_one_line_and_exit_1(workspace: Workspace) -> None:
    cases = [
        ("sources", "sync", "nowhere"),
        ("sources", "add", "git", "--upload-pack=touch /tmp/x", "--name", "evil"),
        ("sources", "add", "website", "ftp://example.com/", "--name", "ftp"),
        ("sources", "add", "github", "not a repo", "--name", "bad"),
        ("sources", "add", "folder", "/etc", "--name", "outside"),
        ("sources", "schedule", "nowhere", "every 1s"),
    ]
    for args in cases:
        done: subprocess.CompletedProcess[str] = workspace.run(*args)
        assert done.returncode != 0, args
        assert "Traceback" not in done.stderr, (args, done.stderr[-1500:])
