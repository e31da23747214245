"""Folder ingestion may read only under the configured roots (PAM_INGEST_ROOTS).

Paths are resolved (symlinks followed, `..` collapsed) before the check, so neither a
symlink nor a `..` can lead outside a root.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path

from pam.errors import Forbidden, InvalidInput, NotFound


def is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def resolve_under_roots(raw: str, roots: Sequence[Path]) -> tuple[Path, Path]:
    """The resolved folder and the resolved root that contains it.

    The error messages name neither the roots nor the resolved path: a caller learns only
    that the path is not allowed.
    """
    if not raw or "\x00" in raw:
        raise InvalidInput("path is empty or contains a NUL byte")
    if any(part == ".." for part in Path(raw).parts):
        raise Forbidden("path may not contain '..'")
    resolved_roots = [r.expanduser().resolve() for r in roots]
    try:
        candidate = Path(raw).expanduser()
    except RuntimeError as exc:  # `~nosuchuser/...`: no such home folder
        raise NotFound("folder not found") from exc
    if not candidate.is_absolute():
        # A relative path is taken relative to the first root, never the server's working directory.
        if not resolved_roots:
            raise Forbidden("folder ingestion is disabled: no PAM_INGEST_ROOTS configured")
        candidate = resolved_roots[0] / candidate
    try:
        resolved = candidate.resolve()
        for root in resolved_roots:
            if is_within(resolved, root):
                if not resolved.is_dir():
                    raise NotFound("folder not found")
                return resolved, root
    except OSError as exc:
        # A name longer than the file system allows (255 bytes a component, 4096 a path) names no folder.
        if exc.errno == errno.ENAMETOOLONG:
            raise NotFound(
                "folder not found: a name in the path is longer than the file system allows"
            ) from exc
        raise NotFound("folder not found") from exc
    raise Forbidden("path is outside the allowed ingestion roots")
