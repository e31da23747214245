"""Folder ingestion may read only under the configured roots (PAM_INGEST_ROOTS).

Paths are resolved (symlinks followed, `..` collapsed) before the check, so neither a
symlink nor a `..` can lead outside a root.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pam.errors import Forbidden, InvalidInput, NotFound


def is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


class FolderNotFound(NotFound):
    """No folder at the resolved path, which is under a root.

    The message (what an API client sees) names the folder under its root's name, as tasks show
    it; `local_message` names the absolute paths, for the operator at the machine (the CLI).
    """

    def __init__(self, resolved: Path, root: Path, roots: Sequence[Path]) -> None:
        shown = display_path(resolved, root)
        super().__init__(f"folder not found: {shown} (allowed roots: {_names(roots)})")
        self.local_message = f"folder not found: {resolved} (allowed roots: {_paths(roots)})"


class OutsideRoots(Forbidden):
    """The resolved path is under no root. Clients learn the roots' names, never a server path."""

    def __init__(self, resolved: Path, roots: Sequence[Path]) -> None:
        super().__init__(f"path is outside the allowed ingestion roots ({_names(roots)})")
        self.local_message = (
            f"{resolved} is outside the allowed ingestion roots ({_paths(roots)}); PAM_INGEST_ROOTS sets them"
        )


def display_path(path: Path, root: Path) -> str:
    """`path` under its root's name ("handbook/hr"), never the absolute path: what clients see."""
    relative = path.relative_to(root).as_posix()
    name = root.name or "root"
    return name if relative == "." else f"{name}/{relative}"


def _names(roots: Sequence[Path]) -> str:
    return ", ".join(root.name or "root" for root in roots)


def _paths(roots: Sequence[Path]) -> str:
    return ", ".join(str(root) for root in roots)


def resolve_under_roots(raw: str, roots: Sequence[Path]) -> tuple[Path, Path]:
    """The resolved folder and the resolved root that contains it.

    A relative path is taken under the first root (a server has no meaningful working directory;
    the CLI makes paths absolute against the shell's before it calls this). Errors name the
    roots by name only and the folder only under its root: no absolute server path reaches a client.
    """
    if not raw or "\x00" in raw:
        raise InvalidInput("path is empty or contains a NUL byte")
    if any(part == ".." for part in Path(raw).parts):
        raise Forbidden("path may not contain '..'")
    resolved_roots = [r.expanduser().resolve() for r in roots]
    candidate = Path(raw).expanduser()
    if not candidate.is_absolute():
        # A relative path is taken relative to the first root, never the server's working directory.
        if not resolved_roots:
            raise Forbidden("folder ingestion is disabled: no PAM_INGEST_ROOTS configured")
        candidate = resolved_roots[0] / candidate
    resolved = candidate.resolve()
    for root in resolved_roots:
        if is_within(resolved, root):
            if not resolved.is_dir():
                raise FolderNotFound(resolved, root, resolved_roots)
            return resolved, root
    raise OutsideRoots(resolved, resolved_roots)
