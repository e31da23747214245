"""`DriveSource`: a Google Drive folder (recursively) or a shared drive, incremental through the changes feed.

- Google Docs are exported as HTML (headings, tables and lists survive) and read by the HTML parser;
  Sheets as XLSX, so each tab goes through the sheet-regions path into tables and notes; Slides as
  plain text. PDF, DOCX, XLSX, CSV, Markdown, text and HTML files are downloaded as they are.
- First sync: the start page token of the changes feed is taken, then the folder tree is listed.
  Later syncs read the changes feed from the saved token: changed files in the tree are items,
  removed or trashed ones (or moved out of the tree) are deleted. A folder trashed or moved out
  makes that sync list the tree whole instead (whatever was under it is then missing, so deleted).
- A file's id is its document id: a rename keeps it, and its `version` tells an edit.
- Documents link back to the file's `webViewLink`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from pam.connectors.configs import DriveConfig
from pam.connectors.credentials import Secrets
from pam.connectors.drive_client import DriveCalls, open_drive
from pam.connectors.patience import Patience, RetryPolicy
from pam.ingest.sources.base import FetchError, Listing, SourceItem

FOLDER = "application/vnd.google-apps.folder"
# Google's own formats: exported as (MIME type, file extension).
EXPORTS = {
    "application/vnd.google-apps.document": ("text/html", ".html"),
    "application/vnd.google-apps.spreadsheet": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
    ),
    "application/vnd.google-apps.presentation": ("text/plain", ".txt"),
}
# Files downloaded as they are.
FILES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "text/csv": ".csv",
    "text/markdown": ".md",
    "text/plain": ".txt",
    "text/html": ".html",
}
FIELDS = "id,name,mimeType,modifiedTime,version,size,webViewLink,parents,trashed"
PAGE_SIZE = 1000


@dataclass
class _State:
    token: str
    folders: set[str] = field(default_factory=set)

    def dump(self) -> str:
        return json.dumps({"token": self.token, "folders": sorted(self.folders)})

    @classmethod
    def load(cls, cursor: str | None) -> _State | None:
        if not cursor:
            return None
        try:
            raw = json.loads(cursor)
            return cls(str(raw["token"]), {str(f) for f in raw.get("folders", [])})
        except (ValueError, KeyError, TypeError):
            return None


class DriveSource:
    type = "google_drive"
    mirrors = True

    def __init__(
        self,
        config: DriveConfig,
        secrets: Secrets,
        stop: threading.Event,
        *,
        policy: RetryPolicy,
        timeout_s: float,
        max_file_bytes: int,
    ) -> None:
        self.config = config
        self.root = config.drive_id or config.folder_id or ""
        self.max_file_bytes = max_file_bytes
        self._service, authorised = open_drive(secrets, api_url=config.api_url, timeout_s=timeout_s)
        self.calls = DriveCalls(Patience(stop, policy), authorised)
        self._files: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def _scope(self) -> dict[str, Any]:
        if self.config.drive_id:
            return {"driveId": self.config.drive_id, "corpora": "drive"}
        return {}

    # -- listing -----------------------------------------------------------------------------------

    def listing(self, cursor: str | None) -> Listing:
        state = _State.load(cursor)
        if state is not None:
            changed = self._changes(state)
            if changed is not None:
                return changed
        token = self._start_token()
        folders, files = self._tree()
        items = [item for f in files if (item := self._item(f)) is not None]
        return Listing.full(items, cursor=_State(token, folders).dump())

    def _start_token(self) -> str:
        params: dict[str, Any] = {"supportsAllDrives": True}
        if self.config.drive_id:
            params["driveId"] = self.config.drive_id
        answer = self.calls.run(self._service.changes().getStartPageToken(**params), "the changes feed")
        return str(answer["startPageToken"])

    def _tree(self) -> tuple[set[str], list[dict[str, Any]]]:
        folders, files = {self.root}, []
        pending = [self.root]
        while pending:
            parent = pending.pop()
            for f in self._children(parent):
                if f.get("mimeType") == FOLDER:
                    if f["id"] not in folders:
                        folders.add(f["id"])
                        pending.append(f["id"])
                else:
                    files.append(f)
        return folders, files

    def _children(self, parent: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page: str | None = None
        while True:
            request = self._service.files().list(
                q=f"'{parent}' in parents and trashed = false",
                fields=f"nextPageToken,files({FIELDS})",
                pageSize=PAGE_SIZE,
                pageToken=page,
                supportsAllDrives=True,
                includeItemsFromAllDrives=True,
                **self._scope(),
            )
            answer = self.calls.run(request, "the folder listing")
            found.extend(f for f in answer.get("files", []) if isinstance(f, dict) and "id" in f)
            page = answer.get("nextPageToken")
            if not page:
                return found

    def _changes(self, state: _State) -> Listing | None:
        """What changed since the saved token; None when the tree itself changed (list it whole)."""
        changes: list[dict[str, Any]] = []
        token: str | None = state.token
        new_token = state.token
        while token:
            params: dict[str, Any] = {
                "pageToken": token,
                "pageSize": PAGE_SIZE,
                "includeRemoved": True,
                "supportsAllDrives": True,
                "includeItemsFromAllDrives": True,
                "fields": f"nextPageToken,newStartPageToken,changes(fileId,removed,time,file({FIELDS}))",
            }
            if self.config.drive_id:
                params["driveId"] = self.config.drive_id
            answer = self.calls.run(self._service.changes().list(**params), "the changes feed")
            changes.extend(c for c in answer.get("changes", []) if isinstance(c, dict))
            token = answer.get("nextPageToken")
            new_token = answer.get("newStartPageToken") or new_token
        folders = set(state.folders)
        # Folders first (a new folder and the files in it may arrive in one page), until nothing moves.
        moved = True
        while moved:
            moved = False
            for change in changes:
                f = change.get("file") or {}
                if f.get("mimeType") != FOLDER:
                    continue
                inside = (
                    not change.get("removed")
                    and not f.get("trashed")
                    and bool(set(f.get("parents", [])) & folders)
                )
                if inside and f["id"] not in folders:
                    folders.add(f["id"])
                    moved = True
                elif not inside and f.get("id", change.get("fileId")) in folders and f.get("id") != self.root:
                    return (
                        None  # a folder left the tree: what was under it is found missing by a full listing
                    )
            if any(change.get("removed") and change.get("fileId") in folders for change in changes):
                return None
        items: dict[str, SourceItem] = {}
        deleted: set[str] = set()
        for change in changes:
            f = change.get("file") or {}
            file_id = str(change.get("fileId") or f.get("id") or "")
            if not file_id or f.get("mimeType") == FOLDER:
                continue
            inside = (
                not change.get("removed")
                and not f.get("trashed")
                and bool(set(f.get("parents", [])) & folders)
            )
            if inside and (item := self._item(f)) is not None:
                items[file_id] = item
                deleted.discard(file_id)
            else:
                # Removed, trashed, moved out, or no longer a kind we read: gone (if it was ever ours).
                deleted.add(file_id)
                items.pop(file_id, None)
        return Listing(
            list(items.values()), deleted=frozenset(deleted), cursor=_State(new_token, folders).dump()
        )

    def _item(self, f: dict[str, Any]) -> SourceItem | None:
        mime = str(f.get("mimeType") or "")
        name = str(f.get("name") or "untitled")
        if mime in EXPORTS:
            suffix = EXPORTS[mime][1]
        elif mime in FILES:
            suffix = FILES[mime]
        else:
            return None  # forms, drawings, images, archives: not documents
        file_name = name if PurePosixPath(name).suffix.lower() == suffix else f"{name}{suffix}"
        with self._lock:
            self._files[f["id"]] = f
        size = int(f.get("size") or 0)
        modified = _time(f.get("modifiedTime"))
        if mime not in EXPORTS and size > self.max_file_bytes:
            limit = self.max_file_bytes // (1024 * 1024)
            return SourceItem(
                f["id"],
                file_name,
                size,
                modified,
                "too_large",
                f"the file is larger than the limit of {limit} MiB",
            )
        return SourceItem(
            f["id"],
            file_name,
            size,
            modified,
            version=str(f.get("version") or f.get("modifiedTime") or ""),
            title=name,
        )

    # -- reading -----------------------------------------------------------------------------------

    def read(self, item: SourceItem) -> bytes:
        with self._lock:
            f = self._files.get(item.source_id, {})
        mime = str(f.get("mimeType") or "")
        if mime in EXPORTS:
            request = self._service.files().export_media(fileId=item.source_id, mimeType=EXPORTS[mime][0])
        else:
            request = self._service.files().get_media(fileId=item.source_id, supportsAllDrives=True)
        data = self.calls.run(request, "the file")
        if not isinstance(data, bytes):
            raise FetchError("Google Drive answered with something that is not the file")
        if len(data) > self.max_file_bytes:
            raise FetchError("the file is larger than the limit", code="too_large")
        return data

    def covers(self, source_id: str) -> bool:
        return True  # every document of this source came from its tree

    def uri(self, item: SourceItem) -> str:
        with self._lock:
            link = self._files.get(item.source_id, {}).get("webViewLink")
        return str(link) if link else f"https://drive.google.com/open?id={item.source_id}"

    def close(self) -> None:
        self.calls.close()
        self._service.close()


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
