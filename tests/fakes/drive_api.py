"""A fake Google Drive API v3 and OAuth token endpoint, following the documented shapes.

- `POST /token`: OAuth 2.0 token endpoint: `grant_type=refresh_token` (client id/secret + refresh
  token) and `urn:ietf:params:oauth:grant-type:jwt-bearer` (a service account's RS256 assertion,
  verified against its public key). Every API call needs a token it issued.
- `GET /drive/v3/files?q='<id>' in parents and trashed = false` with `pageSize`/`pageToken` paging;
  `files/<id>?alt=media` (download), `files/<id>/export?mimeType=` (Docs as HTML, Sheets as XLSX,
  Slides as text); `changes/startPageToken` and `changes?pageToken=` (one entry per changed file,
  its current state, `removed` once deleted; `nextPageToken` / `newStartPageToken`).
- Errors in Google's JSON shape; rate limits are 403 `userRateLimitExceeded` or 429.
"""

from __future__ import annotations

import io
import itertools
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs

import jwt
from openpyxl import Workbook

from tests.fakes.http_fake import HttpFake, Request, Response

DOC = "application/vnd.google-apps.document"
SHEET = "application/vnd.google-apps.spreadsheet"
SLIDES = "application/vnd.google-apps.presentation"
FOLDER = "application/vnd.google-apps.folder"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREFIX = "/drive/v3/"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


@dataclass
class FakeFile:
    id: str
    name: str
    mime: str
    parents: list[str]
    content: Any = ""  # text for docs/slides/files, rows for sheets, bytes for binary files
    version: int = 1
    trashed: bool = False
    modified: datetime = field(default_factory=lambda: datetime.now(UTC))


def google_error(status: int, reason: str, message: str, **headers: str) -> Response:
    body = {"error": {"code": status, "message": message, "errors": [{"reason": reason, "message": message}]}}
    return Response.json(body, status, **headers)


class FakeDrive:
    def __init__(
        self, *, client_id: str = "client-1", client_secret: str = "shh", refresh_token: str = "rt-1"
    ) -> None:
        self.files: dict[str, FakeFile] = {}
        self.changes: list[tuple[int, str]] = []  # (change number, file id)
        self._seq = itertools.count(100)
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self.oauth = (client_id, client_secret, refresh_token)
        self.service_keys: dict[str, Any] = {}  # client_email -> public key
        self.tokens: set[str] = set()
        self.root = self.folder("Team handbook", parent=None)
        self.http = HttpFake(self._handle)

    @property
    def url(self) -> str:
        return self.http.url

    @property
    def api_url(self) -> str:
        return self.url + PREFIX

    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    def close(self) -> None:
        self.http.close()

    # -- content -----------------------------------------------------------------------------------

    def _new(self, name: str, mime: str, parent: str | None, content: Any) -> str:
        with self._lock:
            file_id = f"f{next(self._ids):04d}{secrets.token_hex(4)}"
            self.files[file_id] = FakeFile(file_id, name, mime, [parent] if parent else [], content)
            self._changed(file_id)
            return file_id

    def _changed(self, file_id: str) -> None:
        self.changes.append((next(self._seq), file_id))

    def folder(self, name: str, parent: str | None = "root") -> str:
        return self._new(name, FOLDER, self.root if parent == "root" else parent, "")

    def doc(self, name: str, text: str, parent: str | None = None) -> str:
        return self._new(name, DOC, parent or self.root, text)

    def sheet(self, name: str, rows: list[list[Any]], parent: str | None = None) -> str:
        return self._new(name, SHEET, parent or self.root, rows)

    def slides(self, name: str, text: str, parent: str | None = None) -> str:
        return self._new(name, SLIDES, parent or self.root, text)

    def upload(self, name: str, mime: str, data: bytes, parent: str | None = None) -> str:
        return self._new(name, mime, parent or self.root, data)

    def update(
        self, file_id: str, *, content: Any = None, name: str | None = None, parents: list[str] | None = None
    ) -> None:
        with self._lock:
            f = self.files[file_id]
            f.content = f.content if content is None else content
            f.name = f.name if name is None else name
            f.parents = f.parents if parents is None else parents
            f.version += 1
            f.modified = datetime.now(UTC)
            self._changed(file_id)

    def trash(self, file_id: str) -> None:
        with self._lock:
            self.files[file_id].trashed = True
            self.files[file_id].version += 1
            self._changed(file_id)

    def delete(self, file_id: str) -> None:
        with self._lock:
            self.files.pop(file_id)
            self._changed(file_id)

    def service_account(self, email: str = "pam-reader@project.iam.gserviceaccount.com") -> str:
        """A service account JSON key (a fresh RSA key) that this fake's token endpoint accepts."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.service_keys[email] = key.public_key()
        import json

        return json.dumps(
            {
                "type": "service_account",
                "project_id": "project",
                "private_key_id": secrets.token_hex(8),
                "private_key": pem,
                "client_email": email,
                "client_id": "1234567890",
                "token_uri": self.token_uri,
            }
        )

    # -- the wire ----------------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        if request.path == "/token" and request.method == "POST":
            return self._token(request)
        if not request.path.startswith(PREFIX):
            return google_error(404, "notFound", "Not Found")
        auth = request.header("authorization") or ""
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return google_error(401, "authError", "Invalid Credentials")
        rest = request.path[len(PREFIX) :].strip("/").split("/")
        with self._lock:
            if rest == ["files"]:
                return self._list(request)
            if rest == ["changes", "startPageToken"]:
                return Response.json(
                    {"kind": "drive#startPageToken", "startPageToken": str(self._next_token())}
                )
            if rest == ["changes"]:
                return self._changes(request)
            if len(rest) == 2 and rest[0] == "files" and request.query.get("alt") == "media":
                return self._media(rest[1])
            if len(rest) == 3 and rest[0] == "files" and rest[2] == "export":
                return self._export(rest[1], request.query.get("mimeType", ""))
        return google_error(404, "notFound", "Not Found")

    def _token(self, request: Request) -> Response:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if (form.get("client_id"), form.get("client_secret"), form.get("refresh_token")) != self.oauth:
                return Response.json({"error": "invalid_grant", "error_description": "Bad Request"}, 400)
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            assertion = form.get("assertion", "")
            try:
                claims = jwt.decode(assertion, options={"verify_signature": False})
                key = self.service_keys[claims["iss"]]
                # google-auth addresses the assertion to Google's token endpoint whatever `token_uri` it posts to.
                jwt.decode(
                    assertion, key, algorithms=["RS256"], audience=[self.token_uri, GOOGLE_TOKEN_AUDIENCE]
                )
            except (jwt.PyJWTError, KeyError):
                return Response.json(
                    {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, 400
                )
        else:
            return Response.json({"error": "unsupported_grant_type"}, 400)
        token = "ya29." + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return Response.json({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def _resource(self, f: FakeFile) -> dict[str, Any]:
        kind = {DOC: "document", SHEET: "spreadsheets", SLIDES: "presentation"}.get(f.mime)
        link = (
            f"https://docs.google.com/{kind}/d/{f.id}/edit"
            if kind
            else f"https://drive.google.com/file/d/{f.id}/view"
        )
        out: dict[str, Any] = {
            "kind": "drive#file",
            "id": f.id,
            "name": f.name,
            "mimeType": f.mime,
            "parents": list(f.parents),
            "version": str(f.version),
            "modifiedTime": f.modified.strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z",
            "webViewLink": link,
            "trashed": f.trashed,
        }
        if isinstance(f.content, bytes):
            out["size"] = str(len(f.content))
        return out

    def _list(self, request: Request) -> Response:
        q = request.query.get("q", "")
        parent = q.split("'")[1] if q.count("'") >= 2 and "in parents" in q else None
        rows = [
            f
            for f in self.files.values()
            if (parent is None or parent in f.parents) and not ("trashed = false" in q and f.trashed)
        ]
        rows.sort(key=lambda f: f.id)
        size = max(1, min(1000, int(request.query.get("pageSize", "100"))))
        start = int(request.query.get("pageToken") or 0)
        body: dict[str, Any] = {
            "kind": "drive#fileList",
            "files": [self._resource(f) for f in rows[start : start + size]],
        }
        if start + size < len(rows):
            body["nextPageToken"] = str(start + size)
        return Response.json(body)

    def _next_token(self) -> int:
        return self.changes[-1][0] + 1 if self.changes else 1

    def _changes(self, request: Request) -> Response:
        start = int(request.query.get("pageToken", "1"))
        size = max(1, min(1000, int(request.query.get("pageSize", "100"))))
        latest: dict[str, int] = {}
        for number, file_id in self.changes:
            if number >= start:
                latest[file_id] = number  # one entry per file: its latest change
        ordered = sorted(latest.items(), key=lambda kv: kv[1])
        page = ordered[:size]
        out = []
        for file_id, _ in page:
            f = self.files.get(file_id)
            entry: dict[str, Any] = {
                "kind": "drive#change",
                "changeType": "file",
                "fileId": file_id,
                "removed": f is None,
            }
            if f is not None:
                entry["file"] = self._resource(f)
            out.append(entry)
        body: dict[str, Any] = {"kind": "drive#changeList", "changes": out}
        if len(ordered) > size:
            body["nextPageToken"] = str(page[-1][1] + 1)
        else:
            body["newStartPageToken"] = str(self._next_token())
        return Response.json(body)

    def _media(self, file_id: str) -> Response:
        f = self.files.get(file_id)
        if f is None:
            return google_error(404, "notFound", f"File not found: {file_id}.")
        if f.mime.startswith("application/vnd.google-apps"):
            return google_error(
                403, "fileNotDownloadable", "Only files with binary content can be downloaded."
            )
        data = f.content if isinstance(f.content, bytes) else str(f.content).encode()
        return Response(200, data, {"Content-Type": f.mime})

    def _export(self, file_id: str, mime: str) -> Response:
        f = self.files.get(file_id)
        if f is None:
            return google_error(404, "notFound", f"File not found: {file_id}.")
        if f.mime == DOC and mime == "text/html":
            return Response(200, doc_html(f.name, str(f.content)).encode(), {"Content-Type": "text/html"})
        if f.mime == SHEET and mime == XLSX:
            return Response(200, sheet_xlsx(f.content), {"Content-Type": XLSX})
        if f.mime == SLIDES and mime == "text/plain":
            return Response(200, str(f.content).encode(), {"Content-Type": "text/plain"})
        return google_error(400, "badRequest", "The requested conversion is not supported.")


def doc_html(name: str, text: str) -> str:
    """A Doc exported as HTML, as Google writes it: a heading, the text, a list and a table."""
    return (
        f'<html><head><meta content="text/html; charset=UTF-8" http-equiv="content-type"><title>{escape(name)}</title>'
        f'<style type="text/css">.c1{{font-weight:700}}</style></head><body class="c2">'
        f'<h1 class="c3"><span>{escape(name)}</span></h1><p class="c1"><span>{escape(text)}</span></p>'
        '<h2><span>Checklist</span></h2><ul class="lst-kix"><li><span>Open the runbook</span></li>'
        "<li><span>Page the owner</span></li></ul><h2><span>Owners</span></h2>"
        '<table class="c4"><tr><td><p><span>Area</span></p></td><td><p><span>Owner</span></p></td></tr>'
        "<tr><td><p><span>Billing</span></p></td><td><p><span>Ada</span></p></td></tr></table></body></html>"
    )


def sheet_xlsx(tabs: Any) -> bytes:
    """Sheets exported as XLSX: `tabs` is {tab name: rows} or the rows of one tab."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in tabs.items() if isinstance(tabs, dict) else [("Sheet1", tabs)]:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
