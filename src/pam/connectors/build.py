"""Building a registered source's connector for one run, with its credentials opened in memory."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from pam.connectors.configs import DriveConfig, GitConfig, GitHubConfig, WebsiteConfig
from pam.connectors.credentials import CredentialBox, Secrets
from pam.connectors.patience import RetryPolicy
from pam.errors import InvalidInput
from pam.ingest.sources.base import SourceConnector
from pam.settings import Settings
from pam.store.models import Source

REMOTE_TYPES = ("git", "github", "google_drive", "website")


class RemoteConnectors:
    """Implements `pam.ingest.tasks.ConnectorFactory` for the remote source types."""

    def __init__(self, settings: Settings, box: CredentialBox) -> None:
        self.box = box
        self.workdir = settings.data_dir / "connectors"
        self.max_file_bytes = settings.max_file_bytes
        self.policy = RetryPolicy(attempts=settings.connector_attempts, base_s=settings.connector_backoff_s)
        self.timeout_s = settings.connector_timeout_s

    def __call__(self, source: Source, stop: threading.Event) -> SourceConnector:
        return connector_for(
            source.type,
            source.config,
            self.box.open(source.credentials),
            workdir=self.workdir / str(source.id),
            stop=stop,
            policy=self.policy,
            timeout_s=self.timeout_s,
            max_file_bytes=self.max_file_bytes,
        )


def connector_for(
    kind: str,
    config: dict[str, Any],
    secrets: Secrets,
    *,
    workdir: Path,
    stop: threading.Event,
    policy: RetryPolicy,
    timeout_s: float,
    max_file_bytes: int,
) -> SourceConnector:
    if kind == "git":
        from pam.connectors.git import GitSource

        return GitSource(GitConfig.model_validate(config), secrets, workdir, max_file_bytes=max_file_bytes)
    if kind == "github":
        from pam.connectors.github import GitHubSource

        return GitHubSource(
            GitHubConfig.model_validate(config), secrets, stop, policy=policy, timeout_s=timeout_s
        )
    if kind == "google_drive":
        from pam.connectors.drive import DriveSource

        return DriveSource(
            DriveConfig.model_validate(config),
            secrets,
            stop,
            policy=policy,
            timeout_s=timeout_s,
            max_file_bytes=max_file_bytes,
        )
    if kind == "website":
        from pam.connectors.website import WebsiteSource

        return WebsiteSource(
            WebsiteConfig.model_validate(config),
            secrets,
            stop,
            workdir=workdir,
            policy=policy,
            timeout_s=timeout_s,
            max_file_bytes=max_file_bytes,
        )
    raise InvalidInput(f"no connector for sources of type {kind!r}")
