"""`pam mcp` over stdio, driven by the official client (`mcp.client.stdio`), beside a running `pam serve`
on the same data dir; and `pam mcp --url`, the same stdio forwarded to the running server's `/mcp`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.doors.conftest import Served
from tests.doors.mcp_checks import call, check_everything
from tests.served import served

FOLLOW_TIMEOUT_S = 60.0
PASSWORD = "correct horse battery staple"


async def test_the_stdio_server_answers_every_tool_and_resource_beside_a_running_server(
    handbook: Served,
) -> None:
    async with stdio_client(handbook.stdio()) as (read, write), ClientSession(read, write) as session:
        await check_everything(session)


async def test_a_document_the_server_ingests_later_is_found_over_stdio(handbook: Served) -> None:
    """The server holds the index writer; `pam mcp` follows what it commits."""
    async with stdio_client(handbook.stdio()) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        query = {"query": "zirconium pelican rota", "k": 3}
        assert not [
            r
            for r in (await call(session, "search_knowledge", query))["results"]
            if "zirconium" in r["quote"]
        ]
        upload = (
            "files",
            ("pelican.md", b"# Pelican rota\n\nThe zirconium pelican rota starts on Mondays.\n"),
        )
        r = httpx.post(f"{handbook.base}/api/ingest/upload", files=[upload], timeout=30)
        assert r.status_code == 202, r.text
        deadline = time.monotonic() + FOLLOW_TIMEOUT_S
        while True:
            results = (await call(session, "search_knowledge", query))["results"]
            if results and "zirconium pelican" in results[0]["quote"]:
                break
            assert time.monotonic() < deadline, results
            await asyncio.sleep(0.5)


async def test_the_url_mode_forwards_to_the_running_server(handbook: Served) -> None:
    params = handbook.stdio("--url", handbook.base)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await check_everything(session)


def test_the_url_mode_acts_with_its_api_key_and_refuses_a_wrong_one(tmp_path: Path) -> None:
    with served(tmp_path, PAM_AUTH="required") as base:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
        env.update(PAM_DATA_DIR=str(tmp_path / "data"))
        command = [sys.executable, "-m", "pam.cli.main"]
        added = subprocess.run(
            [*command, "users", "add", "ann@example.com", "--admin", "--password-stdin"],
            input=PASSWORD,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert added.returncode == 0, added.stderr
        token = httpx.post(
            f"{base}/api/auth/login", json={"email": "ann@example.com", "password": PASSWORD}, timeout=30
        ).json()["access_token"]
        key = httpx.post(
            f"{base}/api/auth/keys",
            json={"name": "desktop"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()["key"]
        for wrong in ("pam_forged_key", None):
            refused = subprocess.run(
                [*command, "mcp", "--url", base, *(["--api-key", wrong] if wrong else [])],
                stdin=subprocess.DEVNULL,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert refused.returncode == 1 and refused.stdout == ""
            assert "refused the API key" in refused.stderr and "Traceback" not in refused.stderr
        asyncio.run(
            _list_projects_through(Served(base, tmp_path / "data").stdio("--url", base, "--api-key", key))
        )


async def _list_projects_through(params: StdioServerParameters) -> None:
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        projects = await call(session, "list_projects", {})
        assert [p["name"] for p in projects["projects"]] == ["default"]
