"""`GitSource`: one branch of a Git repository, incremental by commit, with each file's commit history.

A sync fetches the branch into a bare copy in the data dir, diffs the last synced commit against
the new one (only changed files are read; a rename is a deletion plus an addition whose chunks keep
their embeddings), and hands each file the commits that touched it. A force-push that rewrote the
synced commit falls back to a full listing, where unchanged files are still skipped by blob id.
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from pam.connectors.configs import GitConfig
from pam.connectors.credentials import Secrets
from pam.connectors.git_history import file_histories
from pam.connectors.git_repo import GitRepo, TreeEntry
from pam.ingest.sources.base import Listing, Revision, SourceItem

_HOSTED = re.compile(r"^(?:https://|ssh://git@|git@)(github\.com|gitlab\.com)[/:]([^/]+/[^/]+?)(?:\.git)?/?$")


class GitSource:
    type = "git"
    mirrors = True

    def __init__(self, config: GitConfig, secrets: Secrets, workdir: Path, *, max_file_bytes: int) -> None:
        self.config = config
        self.repo = GitRepo(config.url, workdir, secrets)
        self.max_file_bytes = max_file_bytes
        self.branch = config.branch

    def covers(self, source_id: str) -> bool:
        return self._wanted(source_id)

    def _wanted(self, path: str) -> bool:
        if self.config.include and not any(fnmatch.fnmatch(path, g) for g in self.config.include):
            return False
        return not any(fnmatch.fnmatch(path, g) for g in self.config.exclude)

    def listing(self, cursor: str | None) -> Listing:
        self.branch = self.config.branch or self.repo.remote_head()
        head = self.repo.fetch(self.branch)
        wanted = {p: e for p, e in self.repo.tree(head).items() if self._wanted(p)}
        old = _synced_commit(cursor, self.branch)
        removed: set[str] = set()
        if old is not None and self.repo.has_commit(old) and self.repo.is_ancestor(old, head):
            changed, removed = self.repo.changed(old, head) if old != head else (set(), set())
            paths = sorted(p for p in changed if p in wanted)
            histories = file_histories(self.repo, head, old) if paths else {}
        else:
            paths = sorted(wanted)
            histories = file_histories(self.repo, head, None)
        items = [self._item(wanted[p], histories.get(p, [])) for p in paths]
        next_cursor = json.dumps({"branch": self.branch, "commit": head})
        return Listing(items, present=frozenset(wanted), deleted=frozenset(removed), cursor=next_cursor)

    def _item(self, entry: TreeEntry, history: list[Revision]) -> SourceItem:
        name = PurePosixPath(entry.path).name
        modified = history[0].at if history else None
        if entry.size > self.max_file_bytes:
            limit = self.max_file_bytes // (1024 * 1024)
            return SourceItem(
                entry.path,
                name,
                entry.size,
                modified,
                "too_large",
                f"the file is larger than the limit of {limit} MiB",
            )
        return SourceItem(
            entry.path, name, entry.size, modified, version=entry.blob, revisions=tuple(history)
        )

    def read(self, item: SourceItem) -> bytes:
        assert item.version is not None
        return self.repo.blob(item.version)

    def uri(self, item: SourceItem) -> str:
        path = quote(item.source_id)
        branch = quote(self.branch or "HEAD")
        if self.config.web_url:
            return self.config.web_url.replace("{branch}", branch).replace("{path}", path)
        hosted = _HOSTED.match(self.config.url)
        if hosted is not None:
            host, repo = hosted.groups()
            middle = "/-/blob/" if host == "gitlab.com" else "/blob/"
            return f"https://{host}/{repo}{middle}{branch}/{path}"
        return item.source_id

    def close(self) -> None:
        self.repo.close()


def _synced_commit(cursor: str | None, branch: str) -> str | None:
    if not cursor:
        return None
    try:
        state = json.loads(cursor)
    except ValueError:
        return None
    if not isinstance(state, dict) or state.get("branch") != branch:
        return None  # another branch: compare nothing, list it whole
    commit = state.get("commit")
    return commit if isinstance(commit, str) and re.fullmatch(r"[0-9a-f]{40,64}", commit) else None
