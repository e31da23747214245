"""Telling a database outage or a full disk (retry later) apart from a real error (fail the request or the file).

A PostgreSQL restart shows up as refused connections, connections closed under a query, or
"the database system is starting up"; none of those says anything about the data being written.
Ingestion waits and resumes on an outage instead of failing documents, and the API answers 503.
"""

from __future__ import annotations

import errno

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

# asyncpg's errors for a connection that is gone or not accepted yet; matched by name so this
# module does not import the driver (SQLite deployments do not install it).
_DRIVER_OUTAGES = frozenset(
    {
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "CannotConnectNowError",
        "ConnectionRejectionError",
        "AdminShutdownError",
        "CrashShutdownError",
        "TooManyConnectionsError",
        "InterfaceError",
    }
)


async def database_reachable(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


async def is_outage(exc: BaseException, engine: AsyncEngine) -> bool:
    """An outage if the error says so, or if the database does not answer right now.

    The probe catches what the error alone cannot show (a refused unix socket surfaces as a plain
    `OSError`, indistinguishable from a file error in the same run).
    """
    return looks_like_outage(exc) or not await database_reachable(engine)


def looks_like_outage(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says the database could not be reached, not that a statement failed."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, (InterfaceError, ConnectionError, TimeoutError)):
            return True
        if isinstance(current, OperationalError) and _postgres_outage(current):
            return True
        if type(current).__name__ in _DRIVER_OUTAGES:
            return True
        if isinstance(current, OSError) and _raised_while_connecting(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _postgres_outage(exc: OperationalError) -> bool:
    # SQLite's OperationalError is about the statement ("database is locked", a bad column): not an
    # outage. PostgreSQL's is about the connection; its SQLSTATE class 08 / 57P says so.
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if isinstance(code, str):
        return code.startswith("08") or code.startswith("57P")
    return "sqlite" not in type(exc.orig).__module__


# Where a refused or missing socket surfaces as a bare OSError (not wrapped by SQLAlchemy): the
# driver's connect code, reached from the connection pool.
_CONNECTING_MODULES = ("asyncpg.connect_utils", "asyncpg.connection", "sqlalchemy.pool")


def _raised_while_connecting(exc: OSError) -> bool:
    """True when the OSError came out of opening a database connection, not out of a file operation."""
    tb = exc.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith(_CONNECTING_MODULES):
            return True
        tb = tb.tb_next
    return False


# SQLite's SQLITE_FULL, the OS's ENOSPC/EDQUOT, and the same words in tantivy's and DuckDB's errors.
_FULL_DISK_WORDS = ("database or disk is full", "no space left on device", "disk quota exceeded")


def looks_like_full_disk(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) is the data dir's file system being out of space: not the
    data's fault, and over once space returns."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(words in str(current).lower() for words in _FULL_DISK_WORDS):
            return True
        current = current.__cause__ or current.__context__
    return False
