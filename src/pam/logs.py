"""Structured logging: JSON lines (or console) with the request id bound on every line.

`configure_logging` is called by whoever starts a process (the CLI's `serve`, a worker),
never at import. Request ids travel in a contextvar (structlog.contextvars), so they reach
every line logged while a request is handled, including stdlib loggers such as uvicorn's.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
from structlog.typing import Processor

from pam.settings import LogFormat


def configure_logging(level: str = "info", fmt: LogFormat = "json", stream: TextIO | None = None) -> None:
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our own access log carries the request id (and no query string); uvicorn's would duplicate it
    # without one, and would print the OIDC callback's code and state.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # At debug level Authlib prints PKCE verifiers and tokens, and aiosqlite every query's parameters
    # (password hashes, sign-in nonces): never, whatever PAM_LOG_LEVEL says.
    for chatty in ("authlib", "aiosqlite"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, root.level))
