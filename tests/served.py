"""A real `pam serve` process on a loopback port, for tests that need what only a real server does
(responses written to a socket while the app may still be working, forwarded headers, signals)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_answers(url: str, process: subprocess.Popen[bytes], timeout_s: float, what: str) -> None:
    """Until `url` answers 200; fails at once if `process` exits, or after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert process.poll() is None, f"{what} exited before it answered"
        assert time.monotonic() < deadline, f"{what} did not answer within {timeout_s} s"
        time.sleep(0.2)


@contextmanager
def served(
    workdir: Path, start_timeout_s: float = 90, *, log: Path | None = None, **extra: str
) -> Iterator[str]:
    """`pam serve` with PAM_DATA_DIR under `workdir` and `extra` PAM_* settings; yields its base URL.
    With `log`, everything the process writes goes to that file."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
    env.update({"PAM_DATA_DIR": str(workdir / "data"), "PAM_EMBED_WORKERS": "1", **extra})
    env["PAM_PORT"] = str(port)
    out = log.open("ab") if log is not None else None
    process = subprocess.Popen(
        [sys.executable, "-m", "pam.cli.main", "serve"],
        env=env,
        cwd=workdir,
        stdout=out or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if out is not None else subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{base}/api/health", process, start_timeout_s, "pam serve")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        if out is not None:
            out.close()


@asynccontextmanager
async def serving_in_loop(app: ASGIApp, port: int | None = None) -> AsyncIterator[str]:
    """`app` served by uvicorn on a loopback port inside this event loop (lifespan included): real
    sockets, so a streamed response arrives as it is written (httpx's ASGI transport buffers it)."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port or free_port(), log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                await task  # raise what stopped it
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=60)
