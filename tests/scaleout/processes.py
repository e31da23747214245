"""`pam worker` as a real process, for the tests that kill one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from pam.settings import Settings


def worker_env(settings: Settings) -> dict[str, str]:
    assert settings.database_url is not None and settings.redis_url is not None
    keep = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
    return {
        **keep,
        "PAM_DATA_DIR": str(settings.data_dir),
        "PAM_DATABASE_URL": settings.database_url,
        "PAM_REDIS_URL": settings.redis_url.get_secret_value(),
        "PAM_INGEST_ROOTS": ",".join(str(r) for r in settings.ingest_roots),
        "PAM_WORKER_HEARTBEAT_S": str(settings.worker_heartbeat_s),
        "PAM_SEARCH_INDEX": settings.search_index,
        "PAM_EMBED_WORKERS": "1",
        "PAM_LOG_FORMAT": "json",
    }


class WorkerProcess:
    def __init__(
        self,
        settings: Settings,
        log_file: Path,
        *,
        command: str = "worker",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.log_file = log_file
        self._log = log_file.open("ab")
        # Its own directory (no .env there) and its own process group (killed whole).
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pam.cli.main", command],
            env={**worker_env(settings), **(extra or {})},
            cwd=log_file.parent,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine dies."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


class ServerProcess(WorkerProcess):
    """`pam serve` on its own port, sharing the deployment's database, Redis and data dir."""

    def __init__(
        self, settings: Settings, log_file: Path, port: int, extra: dict[str, str] | None = None
    ) -> None:
        super().__init__(settings, log_file, command="serve", extra={"PAM_PORT": str(port), **(extra or {})})
        self.url = f"http://127.0.0.1:{port}"
