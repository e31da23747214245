"""Serving the built web UI at `/`: its files, and index.html for client-side routes.

No catch-all route: a GET outside `/api` that no route answers falls through to the 404
handler, which serves index.html (see `pam.api.errors`). Routes added later still win.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles


def mount_web(app: FastAPI, web_dir: Path) -> None:
    index = web_dir / "index.html"
    app.state.web_root = web_dir.resolve() if index.is_file() else None
    if app.state.web_root is not None and (web_dir / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=web_dir / "assets"), name="assets")


def web_fallback(request: Request) -> FileResponse | None:
    """The UI's file or index.html for a GET outside /api, when the UI is built; None otherwise."""
    root: Path | None = getattr(request.app.state, "web_root", None)
    path = request.url.path
    if root is None or request.method != "GET" or _is_machine_path(path):
        return None
    candidate = (root / path.lstrip("/")).resolve()
    if candidate.is_file() and root in candidate.parents:
        return FileResponse(candidate)
    return FileResponse(root / "index.html")


def _is_machine_path(path: str) -> bool:
    """Paths for programs (the API, the OpenAI-compatible API, MCP): an unknown one is a JSON 404."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in ("/api", "/v1", "/mcp"))
