"""Each file's change history from `git log`: the commits that touched it, newest first, across renames."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from pam.connectors.git_repo import GitRepo
from pam.ingest.sources.base import Revision, RevisionAction

MAX_COMMITS = 5000  # scanned per sync; a first sync of a long history keeps the most recent
MAX_PER_FILE = 100
_FORMAT = "%x1e%H%x1f%an%x1f%aI%x1f%s"
_ACTIONS: dict[str, RevisionAction] = {"A": "created", "C": "created", "D": "deleted"}


def file_histories(repo: GitRepo, head: str, since: str | None) -> dict[str, list[Revision]]:
    """Path (as of `head`) -> the commits in `since..head` (all of head's when None) that touched it."""
    span = f"{since}..{head}" if since else head
    out = repo.git(
        "log",
        f"--format={_FORMAT}",
        "--name-status",
        "-z",
        "-M",
        f"--max-count={MAX_COMMITS}",
        span,
        "--",
        what="git log",
    )
    histories: dict[str, list[Revision]] = defaultdict(list)
    # Walking newest to oldest: a commit that renamed `old` to `new` makes older commits on `old` part
    # of `new`'s history.
    alias: dict[str, str] = {}
    for record in out.split(b"\x1e"):
        if not record.strip():
            continue
        header, _, changes = record.partition(b"\0")
        fields = header.decode("utf-8", "replace").split("\x1f")
        if len(fields) != 4:
            continue
        sha, author, when, subject = fields
        at = datetime.fromisoformat(when).astimezone(UTC)
        tokens = [t.decode("utf-8", "surrogateescape") for t in changes.lstrip(b"\n").split(b"\0") if t]
        i = 0
        while i < len(tokens):
            status = tokens[i]
            if status[:1] in ("R", "C") and i + 2 < len(tokens) + 1:
                old, new = tokens[i + 1], tokens[i + 2]
                current = alias.get(new, new)
                _add(
                    histories,
                    current,
                    Revision(sha, author, at, subject, _ACTIONS.get(status[:1], "updated")),
                )
                if status[:1] == "R":
                    alias[old] = current
                i += 3
                continue
            path = tokens[i + 1] if i + 1 < len(tokens) else ""
            current = alias.get(path, path)
            _add(histories, current, Revision(sha, author, at, subject, _ACTIONS.get(status[:1], "updated")))
            if status[:1] == "A":
                alias.pop(path, None)  # older commits on this path were another file
            i += 2
    return histories


def _add(histories: dict[str, list[Revision]], path: str, revision: Revision) -> None:
    if path and len(histories[path]) < MAX_PER_FILE:
        histories[path].append(revision)
