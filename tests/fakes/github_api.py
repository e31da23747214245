"""A fake GitHub REST API (the parts the connector uses), following GitHub's documented shapes.

- `GET /repos/{owner}/{repo}/issues` with `state`, `sort` (created|updated), `direction`, `since`,
  `per_page` (max 100), `page`; pull requests appear in it with a `pull_request` key; `Link`
  headers (`next`, `last`); a weak `ETag` per answer and `304 Not Modified` for a matching
  `If-None-Match` (which does not count against the rate limit).
- `GET /repos/{owner}/{repo}/issues/{n}/comments` and `/pulls/{n}/comments`, paginated alike.
- `x-ratelimit-limit/remaining/used/reset/resource` on every answer; `rate_limit_after(n)` makes
  the n+1st counted request a primary rate limit (403, `remaining: 0`, `reset` a second ahead),
  `secondary_limit()` a 429 with `Retry-After`.
- A token (`Authorization: Bearer ...`) is required when one is set; a wrong one gets 401.
- Deleting an issue makes it vanish from lists and answer 410, as GitHub does.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from typing import Any
from urllib.parse import urlencode

from tests.fakes.http_fake import HttpFake, Request, Response

LIMIT = 5000


@dataclass
class FakeIssue:
    number: int
    title: str
    body: str
    created_at: datetime
    updated_at: datetime
    pull: bool = False
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    review_comments: list[dict[str, Any]] = field(default_factory=list)


class FakeGitHub:
    def __init__(self, owner: str = "acme", repo: str = "handbook", *, token: str | None = None) -> None:
        self.owner, self.repo, self.token = owner, repo, token
        self.issues: dict[int, FakeIssue] = {}
        self.deleted: set[int] = set()
        self._lock = threading.RLock()
        self._numbers = itertools.count(1)
        self._comment_ids = itertools.count(1000)
        # The server's clock (its `Date` header and every `updated_at`): real time, moved on by at least a
        # second per change, so `since` (second resolution) tells every change apart without a test
        # having to sleep.
        self._now = datetime.now(UTC).replace(microsecond=0)
        self.remaining = LIMIT
        self._limit_after: int | None = None
        self._secondary = 0
        self.http = HttpFake(self._handle)

    @property
    def url(self) -> str:
        return self.http.url

    def close(self) -> None:
        self.http.close()

    # -- the repository's content ----------------------------------------------------------------

    def _tick(self) -> datetime:
        self._now = max(self._now + timedelta(seconds=1), datetime.now(UTC).replace(microsecond=0))
        return self._now

    def _clock(self) -> datetime:
        return max(self._now, datetime.now(UTC).replace(microsecond=0))

    def add_issue(self, title: str, body: str, *, pull: bool = False, comments: list[str] = ()) -> int:  # type: ignore[assignment]
        with self._lock:
            number = next(self._numbers)
            now = self._tick()
            issue = FakeIssue(number, title, body, now, now, pull=pull)
            self.issues[number] = issue
            for text in comments:
                self._comment(issue, text)
            return number

    def _comment(self, issue: FakeIssue, text: str, *, review: bool = False) -> None:
        now = self._tick()
        comment = {
            "id": next(self._comment_ids),
            "body": text,
            "user": {"login": "reviewer" if review else "commenter"},
            "created_at": _iso(now),
            "updated_at": _iso(now),
        }
        if review:
            comment["path"] = "docs/readme.md"
        (issue.review_comments if review else issue.comments).append(comment)
        issue.updated_at = now

    def comment(self, number: int, text: str, *, review: bool = False) -> None:
        with self._lock:
            self._comment(self.issues[number], text, review=review)

    def edit(
        self, number: int, *, title: str | None = None, body: str | None = None, state: str | None = None
    ) -> None:
        with self._lock:
            issue = self.issues[number]
            issue.title = title if title is not None else issue.title
            issue.body = body if body is not None else issue.body
            issue.state = state if state is not None else issue.state
            issue.updated_at = self._tick()

    def delete(self, number: int) -> None:
        with self._lock:
            self.issues.pop(number)
            self.deleted.add(number)

    def rate_limit_after(self, requests: int) -> None:
        """After `requests` more counted requests, one answer is a primary rate limit."""
        with self._lock:
            self._limit_after = requests

    def secondary_limit(self, count: int = 1) -> None:
        with self._lock:
            self._secondary = count

    # -- the wire ----------------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        if self.token is not None and request.header("authorization") != f"Bearer {self.token}":
            return Response.json(
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}, 401
            )
        prefix = f"/repos/{self.owner}/{self.repo}"
        if not request.path.startswith(prefix + "/"):
            return Response.json({"message": "Not Found"}, 404)
        with self._lock:
            response = self._route(request, prefix)
            response.headers["Date"] = formatdate(self._clock().timestamp(), usegmt=True)
            return response

    def _route(self, request: Request, prefix: str) -> Response:
        limited = self._rate_limited()
        if limited is not None:
            return limited
        rest = request.path[len(prefix) :].strip("/").split("/")
        if rest == ["issues"]:
            return self._list(request, self._issue_list(request), counted=True)
        if len(rest) == 3 and rest[0] in ("issues", "pulls") and rest[2] == "comments" and rest[1].isdigit():
            number = int(rest[1])
            if number in self.deleted:
                return Response.json({"message": "This issue was deleted"}, 410)
            issue = self.issues.get(number)
            if issue is None or (rest[0] == "pulls" and not issue.pull):
                return Response.json({"message": "Not Found"}, 404)
            rows = issue.comments if rest[0] == "issues" else issue.review_comments
            return self._list(request, list(rows), counted=True)
        return Response.json({"message": "Not Found"}, 404)

    def _rate_limited(self) -> Response | None:
        if self._secondary > 0:
            self._secondary -= 1
            return Response.json(
                {"message": "You have exceeded a secondary rate limit."}, 429, **{"Retry-After": "1"}
            )
        if self._limit_after is not None:
            if self._limit_after <= 0:
                self._limit_after = None
                reset = int(time.time()) + 1
                return Response.json(
                    {"message": "API rate limit exceeded for user."},
                    403,
                    **self._rate_headers(remaining=0, reset=reset),
                )
            self._limit_after -= 1
        return None

    def _rate_headers(self, *, remaining: int | None = None, reset: int | None = None) -> dict[str, str]:
        left = self.remaining if remaining is None else remaining
        return {
            "x-ratelimit-limit": str(LIMIT),
            "x-ratelimit-remaining": str(left),
            "x-ratelimit-used": str(LIMIT - left),
            "x-ratelimit-reset": str(reset or int(time.time()) + 3600),
            "x-ratelimit-resource": "core",
        }

    def _issue_list(self, request: Request) -> list[dict[str, Any]]:
        q = request.query
        issues = list(self.issues.values())
        state = q.get("state", "open")
        if state != "all":
            issues = [i for i in issues if i.state == state]
        if "since" in q:
            since = datetime.fromisoformat(q["since"].replace("Z", "+00:00"))
            issues = [i for i in issues if i.updated_at >= since]
        key = (lambda i: i.updated_at) if q.get("sort") == "updated" else (lambda i: i.created_at)
        issues.sort(key=lambda i: (key(i), i.number), reverse=q.get("direction", "desc") == "desc")
        return [self._issue_json(i) for i in issues]

    def _issue_json(self, issue: FakeIssue) -> dict[str, Any]:
        web = (
            f"https://github.com/{self.owner}/{self.repo}/{'pull' if issue.pull else 'issues'}/{issue.number}"
        )
        out: dict[str, Any] = {
            "id": 100000 + issue.number,
            "number": issue.number,
            "title": issue.title,
            "body": issue.body,
            "state": issue.state,
            "user": {"login": "author"},
            "labels": [{"name": name} for name in issue.labels],
            "comments": len(issue.comments),
            "created_at": _iso(issue.created_at),
            "updated_at": _iso(issue.updated_at),
            "html_url": web,
        }
        if issue.pull:
            out["pull_request"] = {"url": f"{self.url}/repos/{self.owner}/{self.repo}/pulls/{issue.number}"}
        return out

    def _list(self, request: Request, rows: list[dict[str, Any]], *, counted: bool) -> Response:
        per_page = max(1, min(100, int(request.query.get("per_page", "30"))))
        page = max(1, int(request.query.get("page", "1")))
        body = json.dumps(rows[(page - 1) * per_page : page * per_page]).encode()
        etag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if request.header("if-none-match") == etag:
            # Conditional requests that answer 304 do not count against the rate limit.
            return Response(304, b"", {"ETag": etag, **self._rate_headers()})
        if counted:
            self.remaining = max(0, self.remaining - 1)
        last = max(1, -(-len(rows) // per_page))
        links = []
        for rel, target in (("next", page + 1), ("last", last)):
            if rel == "next" and page >= last:
                continue
            query = {**request.query, "page": str(target), "per_page": str(per_page)}
            links.append(f'<{self.url}{request.path}?{urlencode(query)}>; rel="{rel}"')
        headers = {"Content-Type": "application/json; charset=utf-8", "ETag": etag, **self._rate_headers()}
        if links:
            headers["Link"] = ", ".join(links)
        return Response(200, body, headers)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def advance(fake: FakeGitHub, seconds: int) -> None:
    """Time passes on the server (between two syncs)."""
    with fake._lock:
        fake._now += timedelta(seconds=seconds)
