"""Processes the load benchmark starts: each in its own process group, all stopped by `Processes.stop_all`.

Why process groups: `pam serve` and `pam worker` may start children (onnxruntime threads are not
processes, but a shell wrapper or a parse subprocess could be), and Ctrl-C on the terminal must not
reach them before the benchmark has recorded what it needs; the benchmark stops them itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.servers import redis_answers, redis_command, redis_server_binary

STOP_GRACE_S = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pam_command(*args: str) -> list[str]:
    """`pam ARGS` from the venv (so `pgrep -f "pam serve"` finds it), else `python -m pam.cli.main`."""
    script = Path(sys.executable).with_name("pam")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "pam.cli.main", *args]


@dataclass
class Managed:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Processes:
    log_dir: Path
    started: list[Managed] = field(default_factory=list)

    def start(
        self, name: str, argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> Managed:
        log = self.log_dir / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                argv,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as a whole, spared the terminal's ^C
            )
        managed = Managed(name, popen, log)
        self.started.append(managed)
        return managed

    def check_alive(self) -> None:
        for m in self.started:
            if not m.alive():
                raise RuntimeError(f"{m.name} exited with {m.popen.returncode}:\n{m.log_tail()}")

    def stop(self, managed: Managed) -> None:
        _signal_group(managed, signal.SIGTERM)
        try:
            managed.popen.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            _signal_group(managed, signal.SIGKILL)
            managed.popen.wait(timeout=STOP_GRACE_S)
        # Children that outlived the leader (none expected) go too.
        _signal_group(managed, signal.SIGKILL)

    def stop_all(self) -> list[str]:
        """Stop everything started, newest first; return the names that needed SIGKILL or failed to stop."""
        trouble = []
        for managed in reversed(self.started):
            try:
                if managed.alive():
                    self.stop(managed)
                else:
                    _signal_group(managed, signal.SIGKILL)
            except Exception as exc:  # keep stopping the others whatever happened to one
                trouble.append(f"{managed.name}: {type(exc).__name__}")
        self.started.clear()
        return trouble


def _signal_group(managed: Managed, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(managed.popen.pid, sig)


class RedisProcess:
    """`redis-server` on a free loopback port, no persistence (as `RedisServer` in tests/servers.py)."""

    def __init__(self, procs: Processes, work_dir: Path) -> None:
        binary = redis_server_binary()
        self.port = free_port()
        data = work_dir / "redis"
        data.mkdir()
        procs.start("redis", redis_command(binary, self.port, str(data)))
        deadline = time.monotonic() + 20
        while not redis_answers(self.port):
            procs.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not answer PING")
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def wait_healthy(base_url: str, procs: Processes, timeout_s: float) -> None:
    """Until GET /api/health is 200 (every process must stay alive meanwhile)."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        procs.check_alive()
        try:
            r = httpx.get(f"{base_url}/api/health", timeout=5.0)
            if r.status_code == 200:
                return
            last = f"{r.status_code} {r.text[:300]}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.3)
    raise RuntimeError(f"{base_url} not healthy after {timeout_s:.0f} s: {last}")
