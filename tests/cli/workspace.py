"""Running `pam` as a user does: a subprocess with PAM_* pointing at temporary folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Workspace:
    root: Path  # the ingestion root (the last one when `extra_roots` come first)
    data: Path
    cwd: Path  # no .env here
    extra_roots: list[Path] = field(default_factory=list)  # listed before `root` in PAM_INGEST_ROOTS

    @property
    def roots(self) -> list[Path]:
        return [*self.extra_roots, self.root]

    def run(
        self, *args: str, cwd: Path | None = None, timeout: float = 240
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
        env |= {
            "PAM_DATA_DIR": str(self.data),
            "PAM_INGEST_ROOTS": ",".join(str(r) for r in self.roots),
            "PAM_LOG_LEVEL": "warning",
            "NO_COLOR": "1",
            "COLUMNS": "200",
        }
        return subprocess.run(
            [sys.executable, "-m", "pam.cli.main", *args],
            cwd=cwd or self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def run_json(self, *args: str, expect: int = 0, cwd: Path | None = None) -> Any:
        done = self.run(*args, cwd=cwd)
        assert done.returncode == expect, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
        return json.loads(done.stdout)
