"""Fixtures for access tests: the real app over ASGI with auth wired, and helpers to seed users.

Passwords are hashed with a cheap argon2 profile here (the production profile costs ~0.4 s a
hash on these machines); `test_passwords.py` covers the real profile.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
import typer
from fastapi import FastAPI

from pam.access import Role
from pam.api.app import create_app
from pam.cli import projects_cmd, users_cmd
from pam.services.auth import AuthServices, memberships, project_admin, users
from pam.services.auth.passwords import Passwords
from pam.services.container import Services
from pam.settings import Settings
from tests.conftest import make_settings, running_app

PASSWORD = "correct horse battery staple"


def fast_passwords() -> Passwords:
    return Passwords(time_cost=1, memory_kib=256, parallelism=1)


def build_app(settings: Settings) -> FastAPI:
    """`create_app` with cheap password hashing and a fresh rate limiter for each test."""
    app = create_app(settings)
    original = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        async with original(a) as state:
            services: Services = a.state.services
            await services.auth.close()
            services.auth = await AuthServices.start(settings, services.sessions, passwords=fast_passwords())
            yield state

    app.router.lifespan_context = lifespan
    return app


@dataclass
class Harness:
    client: httpx.AsyncClient
    services: Services
    settings: Settings
    app: FastAPI

    def client_from(self, address: str) -> httpx.AsyncClient:
        """Another client of the same running app, seen as coming from `address`."""
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    @property
    def auth(self) -> AuthServices:
        found: AuthServices = self.services.auth  # type: ignore[attr-defined]
        return found

    async def add_user(
        self,
        email: str,
        *,
        password: str | None = PASSWORD,
        is_admin: bool = False,
        roles: dict[uuid.UUID, Role] | None = None,
    ) -> uuid.UUID:
        async with self.services.sessions.begin() as s:
            user = await users.create_user(
                s, self.auth.passwords, email=email, password=password, is_admin=is_admin
            )
            for project_id, role in (roles or {}).items():
                await memberships.set_role(s, user.id, project_id, role)
            return user.id

    async def add_project(self, name: str) -> uuid.UUID:
        async with self.services.sessions.begin() as s:
            return (await project_admin.create_project(s, name)).id

    async def login(self, email: str, password: str = PASSWORD) -> str:
        response = await self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def headers_for(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        return bearer(await self.login(email, password))


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


@asynccontextmanager
async def harness_for(settings: Settings) -> AsyncIterator[Harness]:
    app = build_app(settings)
    async with running_app(app) as client:
        yield Harness(client, app.state.services, settings, app)


@pytest.fixture
def auth_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", auth="required")


@pytest.fixture
async def harness(auth_settings: Settings) -> AsyncIterator[Harness]:
    async with harness_for(auth_settings) as h:
        yield h


@pytest.fixture
async def open_harness(settings: Settings) -> AsyncIterator[Harness]:
    """PAM_AUTH=none: the local admin, no credentials."""
    async with harness_for(settings) as h:
        yield h


@pytest.fixture
def harness_factory() -> Callable[[Settings], Any]:
    return harness_for


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A clean environment: only our data dir, no developer .env, and logging restored afterwards."""
    for name in list(os.environ):
        if name.startswith("PAM_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAM_DATA_DIR", str(tmp_path / "data"))
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        yield tmp_path / "data"
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        structlog.reset_defaults()


def cli_app() -> typer.Typer:
    """`pam users` and `pam projects`, as the shell runs them (for typer's CliRunner)."""
    app = typer.Typer()
    app.add_typer(users_cmd.app, name="users")
    app.add_typer(projects_cmd.app, name="projects")
    return app
