"""`GitHubSource`: a repository's issues and pull requests with their comments, over the REST API.

- First sync: every issue and pull request, oldest first (`sort=created`), 100 a page along the
  `Link: rel="next"` headers. Each page's ETag and issue numbers are kept in the cursor.
- Later syncs: what changed `since` the last one (newest first, so an update during the listing
  shifts items onto pages already read, never past one), then the created-order pages again with
  `If-None-Match`: an unchanged page answers 304 (which costs no rate limit) and the numbers kept
  for it stand. An issue missing from every page was deleted or transferred and leaves the index.
- Reading an issue fetches its comments (and a pull request's review comments) only when it changed.
- Rate limits (403/429 with `x-ratelimit-*` or `Retry-After`) are waited out: see `http_client`.

An item is one issue or pull request as Markdown: title, state, labels, body, then each comment as a
section, so a new comment re-embeds one chunk.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2

from pam.connectors.configs import GitHubConfig
from pam.connectors.credentials import Secrets
from pam.connectors.http_client import RemoteHttp
from pam.connectors.patience import Patience, RetryPolicy
from pam.ingest.sources.base import FetchError, Listing, SourceItem

PER_PAGE = "100"
SINCE_MARGIN = timedelta(seconds=5)  # clock steps between GitHub's Date header and its updated_at


@dataclass
class _State:
    since: str | None = None
    pages: list[tuple[str, list[str]]] = field(
        default_factory=list
    )  # (etag, source ids) per created-order page

    def dump(self) -> str:
        return json.dumps({"since": self.since, "pages": [[e, n] for e, n in self.pages]})

    @classmethod
    def load(cls, cursor: str | None) -> _State | None:
        if not cursor:
            return None
        try:
            raw = json.loads(cursor)
            pages = [(str(e), [str(n) for n in ids]) for e, ids in raw.get("pages", [])]
            return cls(since=raw.get("since"), pages=pages)
        except (ValueError, TypeError, AttributeError):
            return None


class GitHubSource:
    type = "github"
    mirrors = True

    def __init__(
        self,
        config: GitHubConfig,
        secrets: Secrets,
        stop: threading.Event,
        *,
        policy: RetryPolicy,
        timeout_s: float,
    ) -> None:
        self.config = config
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        token = secrets.get("token")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = RemoteHttp(Patience(stop, policy), headers=headers, timeout_s=timeout_s)
        self.base = f"{config.api_url}/repos/{config.repository}"
        self._issues: dict[str, dict[str, Any]] = {}  # listed, until read
        self._urls: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- listing -----------------------------------------------------------------------------------

    def listing(self, cursor: str | None) -> Listing:
        state = _State.load(cursor)
        if state is None:
            started, pages, issues = self._created_pages([])
            items = [self._item(i) for i in issues if self._wanted(i)]
        else:
            started, changed = self._changed_since(state.since)
            items = [self._item(i) for i in changed if self._wanted(i)]
            _, pages, issues = self._created_pages(state.pages)
        present = frozenset(sid for _, ids in pages for sid in ids if self.covers(sid))
        since = (started - SINCE_MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ")
        return Listing(items, present=present, cursor=_State(since, pages).dump())

    def _changed_since(self, since: str | None) -> tuple[datetime, list[dict[str, Any]]]:
        params = {"state": "all", "sort": "updated", "direction": "desc", "per_page": PER_PAGE}
        if since:
            params["since"] = since
        started: datetime | None = None
        issues: list[dict[str, Any]] = []
        url: str | None = f"{self.base}/issues"
        while url is not None:
            response = self._ok(self.http.get(url, params=params), "the issue list")
            started = started or _server_time(response)
            issues.extend(_issues_of(_json_list(response)))
            url, params = _next(response), {}
        return started or datetime.now(UTC), issues

    def _created_pages(
        self, known: list[tuple[str, list[str]]]
    ) -> tuple[datetime, list[tuple[str, list[str]]], list[dict[str, Any]]]:
        """Every created-order page: (etag, ids) per page, and the issues of pages that changed."""
        params = {"state": "all", "sort": "created", "direction": "asc", "per_page": PER_PAGE}
        pages: list[tuple[str, list[str]]] = []
        fresh: list[dict[str, Any]] = []
        started: datetime | None = None
        url = f"{self.base}/issues"
        for page in itertools.count(1):
            etag = known[page - 1][0] if page <= len(known) else ""
            response = self.http.get(
                url, params={**params, "page": str(page)}, headers={"If-None-Match": etag} if etag else {}
            )
            started = started or _server_time(response)
            if response.status_code == 304:
                pages.append(known[page - 1])
            else:
                issues = _issues_of(_json_list(self._ok(response, "the issue list")))
                fresh.extend(issues)
                pages.append((response.headers.get("etag", ""), [_id_of(i) for i in issues]))
            # A full page may be followed by another (a 304 carries no Link header to say so).
            if len(pages[-1][1]) < int(PER_PAGE):
                break
        return started or datetime.now(UTC), pages, fresh

    def _ok(self, response: httpx2.Response, what: str) -> httpx2.Response:
        if response.status_code == 200:
            return response
        if response.status_code in (401, 403):
            raise FetchError(f"GitHub refused the credentials for {what} (HTTP {response.status_code})")
        if response.status_code == 404:
            raise FetchError(
                f"GitHub has no repository {self.config.repository} (or the token cannot see it)"
            )
        raise FetchError(f"GitHub answered HTTP {response.status_code} for {what}")

    def _wanted(self, issue: dict[str, Any]) -> bool:
        return self._wanted_kind("pulls" if "pull_request" in issue else "issues")

    def _wanted_kind(self, kind: str) -> bool:
        return self.config.pull_requests if kind == "pulls" else self.config.issues

    def _item(self, issue: dict[str, Any]) -> SourceItem:
        kind = "pulls" if "pull_request" in issue else "issues"
        source_id = _id_of(issue)
        with self._lock:
            self._issues[source_id] = issue
            if isinstance(issue.get("html_url"), str):
                self._urls[source_id] = issue["html_url"]
        updated = _parse_time(issue.get("updated_at"))
        return SourceItem(
            source_id,
            f"{kind}-{issue['number']}.md",
            len(issue.get("body") or ""),
            updated,
            version=str(issue.get("updated_at") or ""),
            title=f"{issue.get('title') or 'Untitled'} (#{issue['number']})",
        )

    def covers(self, source_id: str) -> bool:
        kind = source_id.split("/", 1)[0]
        return kind in ("issues", "pulls") and self._wanted_kind(kind)

    # -- reading -----------------------------------------------------------------------------------

    def read(self, item: SourceItem) -> bytes:
        with self._lock:
            issue = self._issues.pop(item.source_id, None)
        if issue is None:
            raise FetchError("the issue was not in this listing")
        number = issue["number"]
        comments: list[dict[str, Any]] = []
        if int(issue.get("comments") or 0) > 0:
            comments += self._all(f"{self.base}/issues/{number}/comments")
        if "pull_request" in issue:
            comments += self._all(f"{self.base}/pulls/{number}/comments")
        comments.sort(key=lambda c: (str(c.get("created_at") or ""), int(c.get("id") or 0)))
        return render_issue(issue, comments).encode()

    def _all(self, url: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        params: dict[str, str] = {"per_page": PER_PAGE}
        next_url: str | None = url
        while next_url is not None:
            response = self.http.get(next_url, params=params)
            if response.status_code in (404, 410):
                return found  # deleted meanwhile: the next listing removes it
            found.extend(_json_list(self._ok(response, "the comments")))
            next_url, params = _next(response), {}
        return found

    def uri(self, item: SourceItem) -> str:
        with self._lock:
            url = self._urls.get(item.source_id)
        if url is not None:
            return url
        kind, number = item.source_id.split("/", 1)
        web = "pull" if kind == "pulls" else "issues"
        host = "https://github.com" if "api.github.com" in self.config.api_url else self.config.api_url
        return f"{host}/{self.config.repository}/{web}/{number}"

    def close(self) -> None:
        self.http.close()


def render_issue(issue: dict[str, Any], comments: list[dict[str, Any]]) -> str:
    kind = "Pull request" if "pull_request" in issue else "Issue"
    labels = ", ".join(str(lb.get("name")) for lb in issue.get("labels") or [] if isinstance(lb, dict))
    head = [
        f"# {issue.get('title') or 'Untitled'}",
        "",
        f"{kind} #{issue['number']} · {issue.get('state', 'open')} · opened by @{_login(issue)} "
        f"on {str(issue.get('created_at') or '')[:10]}" + (f" · labels: {labels}" if labels else ""),
        "",
        (issue.get("body") or "").strip() or "(no description)",
    ]
    for comment in comments:
        when = str(comment.get("created_at") or "")[:10]
        where = f" on `{comment['path']}`" if comment.get("path") else ""
        head += [
            "",
            f"## Comment by @{_login(comment)} on {when}{where}",
            "",
            (comment.get("body") or "").strip(),
        ]
    return "\n".join(head) + "\n"


def _login(obj: dict[str, Any]) -> str:
    user = obj.get("user")
    return str(user.get("login")) if isinstance(user, dict) and user.get("login") else "ghost"


def _id_of(issue: dict[str, Any]) -> str:
    return f"{'pulls' if 'pull_request' in issue else 'issues'}/{issue['number']}"


def _json_list(response: httpx2.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError as exc:
        raise FetchError("GitHub answered with something that is not JSON") from exc
    if not isinstance(body, list):
        raise FetchError("GitHub answered with an unexpected shape")
    return [i for i in body if isinstance(i, dict)]


def _issues_of(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in rows if isinstance(i.get("number"), int)]


def _next(response: httpx2.Response) -> str | None:
    link = response.links.get("next")
    return str(link["url"]) if link and link.get("url") else None


def _server_time(response: httpx2.Response) -> datetime | None:
    value = response.headers.get("date")
    try:
        return parsedate_to_datetime(value).astimezone(UTC) if value else None
    except (TypeError, ValueError):
        return None


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
