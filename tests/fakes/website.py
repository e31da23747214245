"""A fake website: HTML pages linking each other, robots.txt, a sitemap, ETags, and injected faults.

`/` is a `noindex` hub that links every page (as a docs site's navigation does); `/private/` is
disallowed by robots.txt and linked anyway; `/logo.png` is an image. Each request's time is kept
so a test can check the crawler's pace.
"""

from __future__ import annotations

import hashlib
import threading
import time
from html import escape

from tests.fakes.http_fake import HttpFake, Request, Response

ROBOTS = "User-agent: *\nDisallow: /private/\n"


class FakeWebsite:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, str]] = {}  # path -> (title, text)
        self.requested_at: list[float] = []
        self.robots = ROBOTS
        self._lock = threading.Lock()
        self.http = HttpFake(self._handle)

    @property
    def url(self) -> str:
        return self.http.url

    def close(self) -> None:
        self.http.close()

    def put(self, path: str, title: str, text: str) -> None:
        with self._lock:
            self.pages[path] = (title, text)

    def drop(self, path: str) -> None:
        with self._lock:
            self.pages.pop(path, None)

    def _handle(self, request: Request) -> Response:
        self.requested_at.append(time.monotonic())
        with self._lock:
            if request.path == "/robots.txt":
                return Response(200, self.robots.encode(), {"Content-Type": "text/plain"})
            if request.path == "/sitemap.xml":
                locs = "".join(f"<url><loc>{self.url}{p}</loc></url>" for p in sorted(self.pages))
                body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
                return Response(200, body.encode(), {"Content-Type": "application/xml"})
            if request.path == "/":
                links = "".join(
                    f'<li><a href="{p}">{escape(t)}</a></li>' for p, (t, _) in sorted(self.pages.items())
                )
                nav = (
                    '<html><head><title>Docs</title><meta name="robots" content="noindex, follow"></head>'
                    f'<body><ul>{links}</ul><a href="/private/keys.html">keys</a>'
                    '<a href="/logo.png">logo</a><a href="https://elsewhere.example/page.html">away</a>'
                    '<a href="/old-home">moved</a></body></html>'
                )
                return self._page(request, nav)
            if request.path == "/old-home":
                return Response(301, b"", {"Location": "/"})
            if request.path.startswith("/private/"):
                return self._page(request, "<html><body><p>Forbidden to crawlers.</p></body></html>")
            page = self.pages.get(request.path)
            if page is None:
                return Response(404, b"<html><body>Not found</body></html>", {"Content-Type": "text/html"})
            title, text = page
            body = (
                f"<html><head><title>{escape(title)}</title></head><body><nav><a href='/'>home</a></nav>"
                f"<h1>{escape(title)}</h1><h2>Details</h2><p>{escape(text)}</p>"
                "<table><tr><th>Owner</th><th>Team</th></tr><tr><td>Ada</td><td>Ops</td></tr></table>"
                "</body></html>"
            )
            return self._page(request, body)

    def _page(self, request: Request, html: str) -> Response:
        body = html.encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if request.header("if-none-match") == etag:
            return Response(304, b"", {"ETag": etag})
        return Response(200, body, {"Content-Type": "text/html; charset=utf-8", "ETag": etag})
