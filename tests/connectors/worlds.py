"""Sources the contract suite and the sync tests can change: a folder, uploads, a Git repository
(served as a bare repository over file://), and the fake GitHub, Drive and website servers."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

from pam.connectors.configs import DriveConfig, GitConfig, GitHubConfig, WebsiteConfig
from pam.connectors.credentials import Secrets
from pam.connectors.drive import DriveSource
from pam.connectors.git import GitSource
from pam.connectors.github import GitHubSource
from pam.connectors.patience import RetryPolicy
from pam.connectors.website import WebsiteSource
from pam.ingest.sources.base import Listing, SourceConnector
from pam.ingest.sources.folder import FolderSource
from pam.ingest.sources.upload import UploadSource
from tests.fakes.drive_api import FakeDrive, google_error
from tests.fakes.github_api import FakeGitHub, advance
from tests.fakes.http_fake import Response
from tests.fakes.website import FakeWebsite

FAST = RetryPolicy(attempts=3, base_s=0.01, cap_s=0.05)
SMALL_FILE_LIMIT = 4096


class Opened:
    """Closes every connector a test opened."""

    def opened(self, connector: SourceConnector) -> SourceConnector:
        self.__dict__.setdefault("_opened", []).append(connector)
        return connector

    def close(self) -> None:
        for connector in self.__dict__.get("_opened", []):
            connector.close()


class FolderWorld(Opened):
    mirrors, incremental = True, False

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / "docs"
        self.folder.mkdir(parents=True)

    def add(self, key: str, text: str) -> None:
        (self.folder / f"{key}.md").write_text(f"# {key}\n\n{text}\n", encoding="utf-8")

    edit = add

    def remove(self, key: str) -> None:
        (self.folder / f"{key}.md").unlink()

    def break_item(self, key: str) -> None:
        outside = self.root.parent / f"outside-{key}.md"
        outside.write_text("# secret\n\nnot yours\n", encoding="utf-8")
        (self.folder / f"{key}.md").unlink(missing_ok=True)
        (self.folder / f"{key}.md").symlink_to(outside)

    def settle(self) -> None:
        pass

    def connector(self) -> SourceConnector:
        return FolderSource(self.folder, self.root, max_file_bytes=SMALL_FILE_LIMIT)

    def id_of(self, key: str, listing: Listing) -> str:
        return f"{key}.md"


class UploadWorld(FolderWorld):
    mirrors, incremental = False, False

    def remove(self, key: str) -> None:
        raise AssertionError("uploads do not mirror")

    def break_item(self, key: str) -> None:
        self.add(key, "soon gone")
        (self.folder / f"{key}.md").unlink()

    def connector(self) -> SourceConnector:
        names = sorted({p.name for p in self.folder.iterdir()} | self._broken())
        return UploadSource(self.folder, names)

    def _broken(self) -> set[str]:
        return {"beta.md"} if not (self.folder / "beta.md").exists() else set()


def git(cwd: Path, *args: str) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_AUTHOR_NAME": "Ada Author",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Author",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout


class GitRepoWorld(Opened):
    """A working copy that commits and pushes to a bare repository; the connector clones over file://."""

    mirrors, incremental = True, True

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bare = root / "remote.git"
        self.work = root / "work"
        git(root, "init", "--quiet", "--bare", "-b", "main", str(self.bare))
        git(root, "init", "--quiet", "-b", "main", str(self.work))
        (self.work / "LICENSE").write_text("Not a document (no document extension).\n", encoding="utf-8")
        (self.work / "src.py").write_text("print('code is not a document')\n", encoding="utf-8")
        self.commit("initial")
        self.workdir = root / "clone"
        self._keys: set[str] = set()

    @property
    def url(self) -> str:
        return self.bare.as_uri()

    def path(self, key: str) -> Path:
        return self.work / "docs" / f"{key}.md"

    def commit(self, message: str) -> None:
        git(self.work, "add", "-A")
        git(self.work, "commit", "--quiet", "--allow-empty", "-m", message)
        git(self.work, "push", "--quiet", "--force", str(self.bare), "HEAD:main")

    def add(self, key: str, text: str) -> None:
        self.path(key).parent.mkdir(parents=True, exist_ok=True)
        self.path(key).write_text(f"# {key}\n\n{text}\n", encoding="utf-8")
        self.commit(f"Write {key}")

    edit = add

    def remove(self, key: str) -> None:
        self.path(key).unlink()
        self.commit(f"Remove {key}")

    def rename(self, key: str, new_key: str) -> None:
        git(self.work, "mv", str(self.path(key)), str(self.path(new_key)))
        self.commit(f"Rename {key} to {new_key}")

    def break_item(self, key: str) -> None:
        self.path(key).parent.mkdir(parents=True, exist_ok=True)
        self.path(key).write_text(f"# {key}\n\n" + "too big " * SMALL_FILE_LIMIT, encoding="utf-8")
        self.commit(f"Oversized {key}")

    def settle(self) -> None:
        pass

    def connector(self, **config: object) -> SourceConnector:
        cfg = GitConfig.model_validate({"url": self.url, "branch": "main", **config})
        return self.opened(GitSource(cfg, Secrets({}), self.workdir, max_file_bytes=SMALL_FILE_LIMIT))

    def id_of(self, key: str, listing: Listing) -> str:
        return f"docs/{key}.md"


class GitHubWorld(Opened):
    mirrors, incremental = True, True

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        self.numbers: dict[str, int] = {}

    def add(self, key: str, text: str) -> None:
        self.numbers[key] = self.fake.add_issue(
            f"{key.capitalize()} issue", text, comments=[f"First reply on {key}."]
        )

    def edit(self, key: str, text: str) -> None:
        self.fake.edit(self.numbers[key], body=text)

    def remove(self, key: str) -> None:
        self.fake.delete(self.numbers[key])

    def break_item(self, key: str) -> None:
        number = self.numbers[key]
        self.fake.http.inject(
            f"/repos/{self.fake.owner}/{self.fake.repo}/issues/{number}/comments",
            1000,
            lambda: Response.json({"message": "Server Error"}, 502),
        )

    def settle(self) -> None:
        advance(self.fake, 60)

    def connector(self) -> SourceConnector:
        cfg = GitHubConfig(repository=f"{self.fake.owner}/{self.fake.repo}", api_url=self.fake.url)
        token = Secrets({"token": self.fake.token}) if self.fake.token else Secrets({})
        return self.opened(GitHubSource(cfg, token, threading.Event(), policy=FAST, timeout_s=10))

    def id_of(self, key: str, listing: Listing) -> str:
        return f"issues/{self.numbers[key]}"


class WebsiteWorld(Opened):
    mirrors, incremental = True, False

    def __init__(self, site: FakeWebsite, root: Path) -> None:
        self.site = site
        self.root = root

    def path(self, key: str) -> str:
        return f"/docs/{key}.html"

    def add(self, key: str, text: str) -> None:
        self.site.put(self.path(key), key.capitalize(), text)

    edit = add

    def remove(self, key: str) -> None:
        self.site.drop(self.path(key))

    def rename(self, key: str, new_key: str) -> None:
        _, text = self.site.pages[self.path(key)]
        self.site.drop(self.path(key))
        self.site.put(self.path(new_key), new_key.capitalize(), text)

    def break_item(self, key: str) -> None:
        self.site.http.inject(self.path(key), 1000, lambda: Response.json({"message": "down"}, 500))

    def settle(self) -> None:
        pass

    def connector(self, **config: object) -> SourceConnector:
        cfg = WebsiteConfig.model_validate(
            {"start_url": self.site.url + "/", "requests_per_second": 50, **config}
        )
        return self.opened(
            WebsiteSource(
                cfg,
                Secrets({}),
                threading.Event(),
                workdir=self.root,
                policy=FAST,
                timeout_s=10,
                max_file_bytes=SMALL_FILE_LIMIT * 4,
            )
        )

    def id_of(self, key: str, listing: Listing) -> str:
        return self.site.url + self.path(key)


class DriveWorld(Opened):
    mirrors, incremental = True, True

    def __init__(self, drive: FakeDrive, *, oauth: bool = False) -> None:
        self.drive = drive
        self.ids: dict[str, str] = {}
        self.sub = drive.folder("Ops")  # items under it prove the listing is recursive
        self.credentials = (
            {
                "client_id": drive.oauth[0],
                "client_secret": drive.oauth[1],
                "refresh_token": drive.oauth[2],
                "token_uri": drive.token_uri,
            }
            if oauth
            else {"service_account_json": drive.service_account()}
        )

    def add(self, key: str, text: str) -> None:
        if key in self.ids:
            self.edit(key, text)
            return
        parent = self.sub if key.startswith("g") else None
        self.ids[key] = self.drive.doc(key.capitalize(), text, parent=parent)

    def edit(self, key: str, text: str) -> None:
        self.drive.update(self.ids[key], content=text)

    def remove(self, key: str) -> None:
        self.drive.trash(self.ids[key])

    def rename(self, key: str, new_key: str) -> None:
        file_id = self.ids.pop(key)
        self.drive.update(file_id, name=new_key.capitalize())
        self.ids[new_key] = file_id

    def break_item(self, key: str) -> None:
        self.drive.http.inject(
            f"/drive/v3/files/{self.ids[key]}/export",
            1000,
            lambda: google_error(500, "backendError", "Backend Error"),
        )

    def settle(self) -> None:
        pass

    def config(self) -> dict[str, object]:
        return {"folder_id": self.drive.root, "api_url": self.drive.api_url}

    def connector(self) -> SourceConnector:
        return self.opened(
            DriveSource(
                DriveConfig.model_validate(self.config()),
                Secrets(self.credentials),
                threading.Event(),
                policy=FAST,
                timeout_s=10,
                max_file_bytes=1024 * 1024,
            )
        )

    def id_of(self, key: str, listing: Listing) -> str:
        return self.ids[key]
