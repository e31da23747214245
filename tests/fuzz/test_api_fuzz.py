"""The API under schemathesis: every operation of the OpenAPI document, every phase (examples, coverage,
fuzzing with positive and negative data, stateful sequences), as each kind of caller, in both auth modes.

A real `pam serve` answers over HTTP; schemathesis' own CLI drives it (`tests/fuzz/schemathesis.toml`
holds the checks). The run fails on any 5xx, any response its schema does not describe (status,
headers, body; errors must be `{"error": {"code", "message"}}`), a schema-violating request accepted,
a schema-valid one refused, a wrong `Allow` header or a protected operation answered without
credentials. Each finding so far also has a regular regression test (`tests/api/test_fuzz_findings.py`).
A signed-in role signs in as a client does and signs in again when its token is revoked (its own run
may sign it out everywhere), so its whole run is made as that role; the run checks it was.

The example count per operation is bounded so the suite takes a few minutes; a deeper run:

    PAM_API_FUZZ_EXAMPLES=100 .venv/bin/pytest tests/fuzz -p no:randomly -s
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.served import served

CONFIG = Path(__file__).with_name("schemathesis.toml")
REPO = Path(__file__).parents[2]
HOOKS = "tests.fuzz.schemathesis_hooks"  # a workaround for one schemathesis defect; see the module
# A signed-in role signs in as a client does, and again when its token stops working: its own run may
# sign it out everywhere (or an admin's run sign it out), which must not turn the rest of the run into
# 401s. The credentials come from the environment, never from the file.
SIGN_IN = """
[auth.dynamic.openapi.HTTPBearer]
path = "/api/auth/login"
payload = { email = "${PAM_FUZZ_EMAIL}", password = "${PAM_FUZZ_PASSWORD}" }
extract_selector = "/access_token"
retry_on = [401]
"""
EXAMPLES = int(os.environ.get("PAM_API_FUZZ_EXAMPLES", "6"))
ADMIN = ("fuzz-admin@example.com", "fuzz admin password")
VIEWER = ("fuzz-viewer@example.com", "fuzz viewer password")
# Unlimited: a 429 is a documented answer, but it would stop the run from reaching the code behind it.
NO_RATE_LIMITS = {
    "PAM_RATE_LIMIT_LOGIN": "0",
    "PAM_RATE_LIMIT_CHAT_PER_MINUTE": "0",
    "PAM_RATE_LIMIT_SEARCH_PER_MINUTE": "0",
    "PAM_RATE_LIMIT_INGEST_PER_MINUTE": "0",
}


@dataclass
class RunReport:
    role: str
    operations: int
    test_cases: int
    requests: int
    unauthorized: int  # 401 answers
    failures: list[dict[str, object]]
    seconds: float
    output: str


def _corpus(root: Path) -> Path:
    """A few documents (so searches, documents and segments have something to return) under the ingest root."""
    docs = root / "handbook"
    docs.mkdir(parents=True)
    (docs / "expenses.md").write_text(
        "# Expenses\n\nTravel is reimbursed within 30 days.\n\n## Receipts\n\nKeep every receipt.\n"
    )
    (docs / "holidays.md").write_text("# Holidays\n\nEveryone has 25 days of paid leave a year.\n")
    (docs / "prices.csv").write_text("product,price\nwidget,12.50\ngadget,99\n")
    return docs


def _pam(workdir: Path, env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "pam.cli.main", *args],
        cwd=workdir,
        env={k: v for k, v in os.environ.items() if not k.startswith("PAM_")} | env,
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
    )


def _access_lines(log: Path) -> list[dict[str, object]]:
    """The server's access log so far: one JSON line per request answered."""
    lines = []
    for raw in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict) and line.get("logger") == "pam.access":
            lines.append(line)
    return lines


def _run_schemathesis(log: Path, base: str, role: str, account: tuple[str, str] | None) -> RunReport:
    before = len(_access_lines(log))
    started = time.monotonic()
    name = role.split()[0]
    json_report = log.parent / f"schemathesis-{name}.json"
    config, env = CONFIG, dict(os.environ) | {"SCHEMATHESIS_HOOKS": HOOKS}
    if account is not None:
        # The same checks, plus how this role signs in.
        config = log.parent / f"schemathesis-{name}.toml"
        config.write_text(CONFIG.read_text() + SIGN_IN)
        env |= {"PAM_FUZZ_EMAIL": account[0], "PAM_FUZZ_PASSWORD": account[1]}
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{base}/openapi.json",
        "--max-examples",
        str(EXAMPLES),
        "--report",
        "json",
        "--report-json-path",
        str(json_report),
        "--no-color",
    ]
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1500, check=False
    )
    seconds = time.monotonic() - started
    summary = json.loads(json_report.read_text())
    answered = _access_lines(log)[before:]
    return RunReport(
        role=role,
        operations=int(summary["operations"]["tested"]),
        test_cases=int(summary["test_cases"]["generated"]),
        requests=len(answered),
        unauthorized=sum(1 for line in answered if line.get("status") == 401),
        failures=list(summary["failures"]),
        seconds=round(seconds, 1),
        output=done.stdout[-20000:] + done.stderr[-5000:],
    )


def _check(report: RunReport, *, signed_in: bool) -> None:
    print(
        f"\nschemathesis as {report.role}: {report.operations} operations, {report.test_cases} test cases, "
        f"{report.requests} requests ({report.unauthorized} answered 401), "
        f"{len(report.failures)} failure kinds, {report.seconds} s"
    )
    assert report.operations > 25
    assert report.requests >= report.test_cases > 0
    if signed_in:
        # Signed in for the whole run: the 401s are schemathesis' own probes without credentials.
        assert report.unauthorized * 4 < report.requests, report.unauthorized
    assert not report.failures, report.output


def _no_server_errors_logged(log: Path) -> None:
    errors = [line for line in _access_lines(log) if int(str(line.get("status", 0))) >= 500]
    assert not errors, errors[:5]
    assert "unhandled_error" not in log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.timeout(1800)
def test_fuzz_without_sign_in(tmp_path: Path) -> None:
    """PAM_AUTH=none: every request is the local admin; the document declares no security."""
    docs = _corpus(tmp_path / "root")
    env = {"PAM_INGEST_ROOTS": str(tmp_path / "root"), "PAM_SEED_DIR": str(docs), **NO_RATE_LIMITS}
    log = tmp_path / "server.log"
    with served(tmp_path, log=log, **env) as base:
        _check(_run_schemathesis(log, base, "local admin (PAM_AUTH=none)", None), signed_in=False)
        assert httpx.get(f"{base}/api/health", timeout=30).status_code == 200
    _no_server_errors_logged(log)


@pytest.mark.timeout(2400)
def test_fuzz_with_sign_in(tmp_path: Path) -> None:
    """PAM_AUTH=required: with no credentials, as a viewer of the default project, then as an admin."""
    workdir = tmp_path
    docs = _corpus(workdir / "root")
    env = {
        "PAM_AUTH": "required",
        "PAM_DATA_DIR": str(workdir / "data"),
        "PAM_INGEST_ROOTS": str(workdir / "root"),
        "PAM_SEED_DIR": str(docs),
        **NO_RATE_LIMITS,
    }
    _pam(workdir, env, "users", "add", ADMIN[0], "--admin", "--password-stdin", stdin=ADMIN[1])
    _pam(
        workdir,
        env,
        *("users", "add", VIEWER[0], "--project", "default", "--role", "viewer", "--password-stdin"),
        stdin=VIEWER[1],
    )
    log = workdir / "server.log"
    with served(workdir, log=log, **env) as base:
        # The admin last: its run may disable or demote users, the viewer included.
        for role, account in (("anonymous", None), ("viewer", VIEWER), ("admin", ADMIN)):
            _check(_run_schemathesis(log, base, role, account), signed_in=account is not None)
        assert httpx.get(f"{base}/api/health", timeout=30).status_code == 200
    _no_server_errors_logged(log)
