"""The shared machinery of the fake remote services (GitHub, Google Drive, a website) on loopback.

A `ThreadingHTTPServer` in a background thread: the real client libraries (httpx, googleapiclient
over httplib2, google-auth) talk to it unmodified, pointed at its base URL. Every request is
recorded; faults are injected per path prefix (a 5xx storm, a rate limit, a slow answer) and
consumed in order, so a test says exactly what goes wrong and when.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, value: Any, status: int = 200, **headers: str) -> Response:
        return cls(
            status, json.dumps(value).encode(), {"Content-Type": "application/json; charset=utf-8", **headers}
        )


@dataclass
class Fault:
    """The next `count` requests whose path starts with `prefix` get this answer instead."""

    prefix: str
    count: int
    make: Callable[[], Response]
    delay_s: float = 0.0


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    query: dict[str, str]
    status: int
    headers: dict[str, str]


Handler = Callable[[Request], Response]


class HttpFake:
    def __init__(self, handle: Handler) -> None:
        self._handle = handle
        self._lock = threading.Lock()
        self.log: list[Logged] = []
        self.faults: list[Fault] = []
        self.delay_s = 0.0  # added to every answer (a slow service, for kill tests)
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="http-fake", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def inject(self, prefix: str, count: int, make: Callable[[], Response], *, delay_s: float = 0.0) -> None:
        with self._lock:
            self.faults.append(Fault(prefix, count, make, delay_s))

    def storm(self, prefix: str, count: int, status: int = 503) -> None:
        """`count` server errors in a row for requests under `prefix`."""
        self.inject(prefix, count, lambda: Response.json({"message": "Server Error"}, status))

    def requests(self, prefix: str = "", method: str | None = None) -> list[Logged]:
        with self._lock:
            return [
                r for r in self.log if r.path.startswith(prefix) and (method is None or r.method == method)
            ]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _serve(self, raw: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(raw.path)
        length = int(raw.headers.get("Content-Length") or 0)
        body = raw.rfile.read(length) if length else b""
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        request = Request(method, parts.path, query, {k.lower(): v for k, v in raw.headers.items()}, body)
        fault = self._take_fault(parts.path)
        if self.delay_s:
            time.sleep(self.delay_s)
        if fault is not None:
            time.sleep(fault.delay_s)
            response = fault.make()
        else:
            try:
                response = self._handle(request)
            except Exception as exc:  # a bug in the fake shows up as a 500 the test can see
                response = Response.json({"message": f"fake error: {exc!r}"}, 500)
        with self._lock:
            self.log.append(Logged(method, parts.path, query, response.status, request.headers))
        raw.send_response_only(response.status)  # (send_response would add a second Date header)
        headers = {"Date": formatdate(usegmt=True), **response.headers}
        for name, value in headers.items():
            raw.send_header(name, value)
        raw.send_header("Content-Length", str(len(response.body)))
        raw.end_headers()
        if response.body and method != "HEAD":
            raw.wfile.write(response.body)

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.prefix) and fault.count > 0:
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None
