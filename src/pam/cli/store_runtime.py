"""Running a command body against the database only: no embedder, no index, so admin commands start fast."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pam.errors import PamError
from pam.logs import configure_logging
from pam.services.store_runtime import StoreServices, open_store
from pam.settings import Settings

T = TypeVar("T")


def run_with_store(body: Callable[[StoreServices], Awaitable[T]]) -> T:
    """Open the store of the environment's settings, run `body` with the admin use cases, close.

    PamErrors become a one-line message and exit code 1, as in `run_with_services`.
    """
    from pam.cli.output import fail

    settings = Settings()
    configure_logging("warning", "console")

    async def main() -> T:
        async with open_store(settings) as store:
            return await body(store)

    try:
        return asyncio.run(main())
    except PamError as exc:
        fail(exc.message)
