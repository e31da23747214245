"""Running an async command body with a `Services` built from the environment's settings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pam.errors import PamError
from pam.logs import configure_logging
from pam.services.container import Services
from pam.settings import Settings

T = TypeVar("T")


def run_with_services(body: Callable[[Services], Awaitable[T]], *, quiet_logs: bool = True) -> T:
    """Build `Services`, run `body`, close. PamErrors become a one-line message and exit code 1."""
    from pam.cli.output import fail

    settings = Settings()
    # Commands print their own results; logs go to stderr and only warnings by default.
    configure_logging("warning" if quiet_logs else settings.log_level, "console")

    async def main() -> T:
        services = await Services.start(settings, run_tasks=False)
        try:
            return await body(services)
        finally:
            await services.close()

    try:
        return asyncio.run(main())
    except PamError as exc:
        fail(exc.message)
