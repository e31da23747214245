"""A local bare copy of one branch of a remote repository, driven through the `git` binary.

Why the binary: it clones anything `git` can (https with a token, ssh with a key, file://, every
server quirk), incremental fetches are its own, and `cat-file --batch` reads blobs fast. Credentials
never go into a URL, a command line or `.git/config`: an https token is an `http.extraHeader` given
through `GIT_CONFIG_*` environment variables, an ssh key a 0600 file in a private temporary folder
named by `GIT_SSH_COMMAND`. Git's own messages are redacted before they are kept.
"""

from __future__ import annotations

import base64
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from pam.connectors.credentials import Secrets
from pam.connectors.redact import redact
from pam.ingest.sources.base import FetchError

GIT_TIMEOUT_S = 600.0


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str
    blob: str
    size: int


class GitRepo:
    def __init__(self, url: str, workdir: Path, secrets: Secrets) -> None:
        git = shutil.which("git")
        if git is None:
            raise FetchError("the git program is not installed on this server")
        self._git = git
        self.url = url
        self.path = workdir / "repo.git"
        self.secrets = secrets
        self._private = Path(tempfile.mkdtemp(prefix="pam-git-"))
        self._env = self._environment()
        self._batch: subprocess.Popen[bytes] | None = None
        self._batch_lock = threading.Lock()

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PAM_"))}
        env.update(GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="/bin/true", SSH_ASKPASS="/bin/true", LC_ALL="C")
        config: list[tuple[str, str]] = [("core.quotePath", "false"), ("protocol.ext.allow", "never")]
        token = self.secrets.get("token")
        if token:
            user = self.secrets.get("username") or "x-access-token"
            basic = base64.b64encode(f"{user}:{token}".encode()).decode()
            config.append(("http.extraHeader", f"Authorization: Basic {basic}"))
        key = self.secrets.get("ssh_key")
        if key:
            key_file = self._private / "id"
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(key.strip() + "\n")
            known = self._private / "known_hosts"
            env["GIT_SSH_COMMAND"] = (
                f"ssh -i {shlex.quote(str(key_file))} -o IdentitiesOnly=yes -o BatchMode=yes "
                f"-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={shlex.quote(str(known))}"
            )
        env["GIT_CONFIG_COUNT"] = str(len(config))
        for i, (name, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{i}"] = name
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        return env

    def git(self, *args: str, check: bool = True, what: str = "git") -> bytes:
        try:
            done = subprocess.run(  # noqa: S603 (an argument list, no shell; URLs cannot start with "-")
                [self._git, f"--git-dir={self.path}", *args],
                env=self._env,
                capture_output=True,
                timeout=GIT_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FetchError(f"{what} did not finish ({type(exc).__name__})") from exc
        if check and done.returncode != 0:
            raise FetchError(f"{what} failed: {self._last_line(done.stderr)}")
        return done.stdout

    def _last_line(self, stderr: bytes) -> str:
        lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        message = lines[-1] if lines else "no message"
        return redact(message, self.secrets.values.values())[:300]

    # -- fetching ----------------------------------------------------------------------------------

    def remote_head(self) -> str:
        """The remote's default branch."""
        out = self.git("ls-remote", "--symref", "--", self.url, "HEAD", what="git ls-remote").decode()
        for line in out.splitlines():
            if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
                return line[len("ref: refs/heads/") : -len("\tHEAD")]
        raise FetchError("the repository has no default branch: give one")

    def fetch(self, branch: str) -> str:
        """Bring the branch up to date; its commit."""
        if not (self.path / "HEAD").exists():
            self.path.mkdir(parents=True, exist_ok=True)
            self.git("init", "--bare", "--quiet", what="git init")
        ref = f"refs/heads/{branch}"
        self.git(
            "fetch",
            "--quiet",
            "--no-tags",
            "--prune",
            "--force",
            "--",
            self.url,
            f"+{ref}:{ref}",
            what="git fetch",
        )
        return self.git("rev-parse", "--verify", f"{ref}^{{commit}}", what="git rev-parse").decode().strip()

    def has_commit(self, sha: str) -> bool:
        return self._ok("cat-file", "-e", f"{sha}^{{commit}}")

    def is_ancestor(self, old: str, new: str) -> bool:
        return self._ok("merge-base", "--is-ancestor", old, new)

    def _ok(self, *args: str) -> bool:
        try:
            done = subprocess.run(  # noqa: S603 (an argument list, no shell; URLs cannot start with "-")
                [self._git, f"--git-dir={self.path}", *args],
                env=self._env,
                capture_output=True,
                timeout=GIT_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0

    # -- reading -----------------------------------------------------------------------------------

    def tree(self, commit: str) -> dict[str, TreeEntry]:
        out = self.git("ls-tree", "-r", "-l", "-z", "--full-tree", commit, what="git ls-tree")
        entries: dict[str, TreeEntry] = {}
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode, kind, blob, size = meta.split()
            if kind != b"blob" or mode == b"120000":  # symlinks are not documents
                continue
            name = path.decode("utf-8", "surrogateescape")
            entries[name] = TreeEntry(name, blob.decode(), int(size) if size != b"-" else 0)
        return entries

    def changed(self, old: str, new: str) -> tuple[set[str], set[str]]:
        """Paths added or modified, and paths removed (renames are both), between two commits."""
        out = self.git("diff", "--name-status", "-z", "--no-renames", old, new, what="git diff")
        tokens = [t.decode("utf-8", "surrogateescape") for t in out.split(b"\0") if t]
        changed: set[str] = set()
        removed: set[str] = set()
        for status, path in zip(tokens[::2], tokens[1::2], strict=False):
            (removed if status.startswith("D") else changed).add(path)
        return changed, removed

    def blob(self, sha: str) -> bytes:
        with self._batch_lock:
            if self._batch is None or self._batch.poll() is not None:
                self._batch = subprocess.Popen(  # noqa: S603 (an argument list, no shell)
                    [self._git, f"--git-dir={self.path}", "cat-file", "--batch"],
                    env=self._env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            assert self._batch.stdin is not None and self._batch.stdout is not None
            self._batch.stdin.write(sha.encode() + b"\n")
            self._batch.stdin.flush()
            header = self._batch.stdout.readline().split()
            if len(header) != 3:
                raise FetchError("the file is missing from the repository")
            size = int(header[2])
            data = self._batch.stdout.read(size)
            self._batch.stdout.read(1)  # the newline after each object
            return data

    def close(self) -> None:
        with self._batch_lock:
            if self._batch is not None:
                self._batch.kill()
                self._batch.wait()
                for stream in (self._batch.stdin, self._batch.stdout):
                    if stream is not None:
                        stream.close()
                self._batch = None
        shutil.rmtree(self._private, ignore_errors=True)
