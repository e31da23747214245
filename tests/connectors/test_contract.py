"""Every connector passes the one `SourceConnector` contract (tests/connectors/contract.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.connectors.contract import ConnectorContract, World
from tests.connectors.worlds import (
    DriveWorld,
    FolderWorld,
    GitHubWorld,
    GitRepoWorld,
    UploadWorld,
    WebsiteWorld,
)
from tests.fakes.drive_api import FakeDrive
from tests.fakes.github_api import FakeGitHub
from tests.fakes.website import FakeWebsite


class TestFolderContract(ConnectorContract):
    @pytest.fixture
    def world(self, tmp_path: Path) -> Iterator[World]:
        world = FolderWorld(tmp_path / "root")
        yield world
        world.close()


class TestUploadContract(ConnectorContract):
    @pytest.fixture
    def world(self, tmp_path: Path) -> Iterator[World]:
        world = UploadWorld(tmp_path / "root")
        yield world
        world.close()


class TestGitContract(ConnectorContract):
    @pytest.fixture
    def world(self, tmp_path: Path) -> Iterator[World]:
        world = GitRepoWorld(tmp_path)
        yield world
        world.close()


class TestGitHubContract(ConnectorContract):
    @pytest.fixture
    def world(self) -> Iterator[World]:
        fake = FakeGitHub(token="ghp_contract_token_0123456789")
        world = GitHubWorld(fake)
        try:
            yield world
        finally:
            world.close()
            fake.close()


class TestWebsiteContract(ConnectorContract):
    @pytest.fixture
    def world(self, tmp_path: Path) -> Iterator[World]:
        site = FakeWebsite()
        world = WebsiteWorld(site, tmp_path)
        try:
            yield world
        finally:
            world.close()
            site.close()


class TestDriveContract(ConnectorContract):
    @pytest.fixture(params=["service_account", "oauth"])
    def world(self, request: pytest.FixtureRequest) -> Iterator[World]:
        drive = FakeDrive()
        world = DriveWorld(drive, oauth=request.param == "oauth")
        try:
            yield world
        finally:
            world.close()
            drive.close()
