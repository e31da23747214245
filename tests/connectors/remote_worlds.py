"""Remote sources as the API sync tests see them: change the source, register it, watch its traffic."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from tests.connectors.worlds import DriveWorld, GitRepoWorld, WebsiteWorld
from tests.fakes.drive_api import FakeDrive, google_error
from tests.fakes.github_api import FakeGitHub, advance
from tests.fakes.http_fake import HttpFake, Response
from tests.fakes.website import FakeWebsite


class RemoteWorld(Protocol):
    kind: str
    http: HttpFake | None  # the fake service, when there is one (faults, request log)
    item_prefix: str  # requests under it fetch one item's content

    def add(self, key: str, text: str) -> None: ...
    def edit(self, key: str, text: str) -> None: ...
    def remove(self, key: str) -> None: ...
    def rename(self, key: str, new_key: str) -> None: ...
    def settle(self) -> None: ...
    def rate_limit(self) -> None: ...
    def body(self, name: str) -> dict[str, Any]: ...
    def uri_of(self, key: str) -> str: ...


class GitApiWorld(GitRepoWorld):
    kind = "git"
    http = None
    item_prefix = ""

    def body(self, name: str) -> dict[str, Any]:
        return {"type": "git", "name": name, "config": {"url": self.url, "branch": "main"}}

    def rate_limit(self) -> None:
        raise AssertionError("git has no rate limit")

    def uri_of(self, key: str) -> str:
        return f"docs/{key}.md"


class GitHubApiWorld:
    kind = "github"

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        self.http = fake.http
        self.item_prefix = f"/repos/{fake.owner}/{fake.repo}/issues/"
        self.numbers: dict[str, int] = {}

    def add(self, key: str, text: str) -> None:
        self.numbers[key] = self.fake.add_issue(f"{key} issue", text, comments=[f"A reply about {key}."])

    def edit(self, key: str, text: str) -> None:
        self.fake.edit(self.numbers[key], body=text)

    def remove(self, key: str) -> None:
        self.fake.delete(self.numbers.pop(key))

    def rename(self, key: str, new_key: str) -> None:
        number = self.numbers.pop(key)
        self.fake.edit(number, title=f"{new_key} issue")
        self.numbers[new_key] = number

    def settle(self) -> None:
        advance(self.fake, 60)

    def rate_limit(self) -> None:
        self.fake.rate_limit_after(2)

    def body(self, name: str) -> dict[str, Any]:
        config = {"repository": f"{self.fake.owner}/{self.fake.repo}", "api_url": self.fake.url}
        body: dict[str, Any] = {"type": "github", "name": name, "config": config}
        if self.fake.token:
            body["credentials"] = {"token": self.fake.token}
        return body

    def uri_of(self, key: str) -> str:
        return f"https://github.com/{self.fake.owner}/{self.fake.repo}/issues/{self.numbers[key]}"

    def close(self) -> None:
        pass


class WebsiteApiWorld(WebsiteWorld):
    kind = "website"
    item_prefix = "/docs/"

    def __init__(self, site: FakeWebsite, root: Path) -> None:
        super().__init__(site, root)
        self.http = site.http

    def rate_limit(self) -> None:
        self.site.http.inject(
            "/docs/",
            2,
            lambda: Response(429, b"slow down", {"Retry-After": "1", "Content-Type": "text/plain"}),
        )

    def body(self, name: str) -> dict[str, Any]:
        config = {"start_url": self.site.url + "/", "requests_per_second": 50}
        return {"type": "website", "name": name, "config": config}

    def uri_of(self, key: str) -> str:
        return self.site.url + self.path(key)


class DriveApiWorld(DriveWorld):
    kind = "google_drive"
    item_prefix = "/drive/v3/files/"

    def __init__(self, drive: FakeDrive) -> None:
        super().__init__(drive)
        self.http = drive.http

    def rate_limit(self) -> None:
        self.drive.http.inject(
            "/drive/v3/files/",
            2,
            lambda: google_error(
                403, "userRateLimitExceeded", "User Rate Limit Exceeded", **{"Retry-After": "1"}
            ),
        )

    def body(self, name: str) -> dict[str, Any]:
        return {
            "type": "google_drive",
            "name": name,
            "config": self.config(),
            "credentials": self.credentials,
        }

    def uri_of(self, key: str) -> str:
        return f"https://docs.google.com/document/d/{self.ids[key]}/edit"
