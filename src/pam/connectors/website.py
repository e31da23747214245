"""`WebsiteSource`: the pages of one website, from a start URL or a sitemap, on that host only.

- robots.txt is read first and obeyed (`Disallow`, and `Crawl-delay` when it asks for more time
  between requests than the source's own `requests_per_second`); `<meta name="robots">` with
  `noindex` keeps a page out, `nofollow` keeps its links unfollowed.
- Requests are paced (one per `1 / requests_per_second` seconds), retried on 5xx, and rate limits
  (429 + `Retry-After`) are waited out.
- Pages are fetched once per sync during the crawl (links are only known from the page itself) and
  spooled to disk until the pipeline reads them; HTML goes through the same HTML parser as files.
- A crawl that reached every page lists them all: a page gone (404/410, no longer linked, now
  disallowed) is deleted. A crawl cut short by `max_pages` deletes nothing.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import shutil
import threading
import urllib.robotparser
from collections import deque
from pathlib import Path, PurePosixPath
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

import structlog
from selectolax.lexbor import LexborHTMLParser

from pam.connectors.configs import WebsiteConfig
from pam.connectors.credentials import Secrets
from pam.connectors.http_client import USER_AGENT, RemoteHttp
from pam.connectors.patience import Patience, RetryPolicy
from pam.errors import ParseError
from pam.ingest.sources.base import FetchError, Listing, SourceItem

log = structlog.get_logger("pam.connectors.website")
_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/csv": ".csv",
}
# Links to these are not pages: not even requested.
_SKIP = re.compile(
    r"\.(png|jpe?g|gif|svg|webp|ico|css|js|mjs|map|woff2?|ttf|eot|zip|gz|tgz|tar|mp3|mp4|webm|avi|mov|exe|dmg|iso)$",
    re.IGNORECASE,
)
_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>", re.IGNORECASE)
MAX_SITEMAPS = 20


class WebsiteSource:
    type = "website"
    mirrors = True

    def __init__(
        self,
        config: WebsiteConfig,
        secrets: Secrets,
        stop: threading.Event,
        *,
        workdir: Path,
        policy: RetryPolicy,
        timeout_s: float,
        max_file_bytes: int,
    ) -> None:
        self.config = config
        start = urlsplit(config.start_url)
        self.origin = (start.scheme, start.netloc.lower())
        headers = {"Authorization": auth} if (auth := secrets.get("authorization")) else None
        self.patience = Patience(stop, policy, min_interval_s=1.0 / config.requests_per_second)
        # Redirects are followed by hand: a redirect to another host is not followed at all.
        self.http = RemoteHttp(self.patience, headers=headers, timeout_s=timeout_s)
        self.max_file_bytes = max_file_bytes
        self.spool = workdir / "spool"
        self._robots: urllib.robotparser.RobotFileParser | None = None

    # -- crawling ----------------------------------------------------------------------------------

    def listing(self, cursor: str | None) -> Listing:
        shutil.rmtree(self.spool, ignore_errors=True)
        self.spool.mkdir(parents=True, exist_ok=True)
        self._robots = self._read_robots()
        queue: deque[str] = deque()
        seen: set[str] = set()
        for url in [self.config.start_url, *self._sitemap_urls()]:
            if (page := self._normal(url)) is not None and page not in seen:
                seen.add(page)
                queue.append(page)
        items: dict[str, SourceItem] = {}
        kept: set[str] = set()  # pages that still exist, even when they could not be read this time
        complete = True
        while queue:
            if len(items) >= self.config.max_pages:
                complete = False
                log.warning("website_crawl_cut_short", max_pages=self.config.max_pages)
                break
            url = queue.popleft()
            if not self._allowed(url):
                continue
            fetched = self._fetch(url)
            if fetched is None:
                continue
            final, item, links = fetched
            # A page that could not be fetched this time is kept (not known gone), as a failed item.
            if item is not None and final not in items:
                items[final] = item
                kept.add(final)
            for link in links:
                if link not in seen:
                    seen.add(link)
                    queue.append(link)
        present = frozenset(kept) if complete else None
        return Listing(list(items.values()), present=present, cursor=None)

    def _fetch(self, url: str) -> tuple[str, SourceItem | None, list[str]] | None:
        """(final url, the item or None, links on it); None when the page is gone or not ours."""
        target = url
        for _ in range(5):
            try:
                response = self.http.get(target)
            except FetchError as exc:
                return url, _failed(url, exc.message), []
            if response.status_code in (301, 302, 303, 307, 308) and "location" in response.headers:
                following = self._normal(urljoin(target, response.headers["location"]))
                if following is None or not self._allowed(following):
                    return None
                target = following
                continue
            break
        else:
            return None
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            return url, _failed(url, f"the page answered HTTP {response.status_code}"), []
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        suffix = _TYPES.get(kind)
        if suffix is None:
            return None  # not a document (an image, a script) even though it was linked
        body = response.content
        if len(body) > self.max_file_bytes:
            limit = self.max_file_bytes // (1024 * 1024)
            return (
                target,
                _failed(target, f"the page is larger than the limit of {limit} MiB", "too_large"),
                [],
            )
        links: list[str] = []
        index = True
        if suffix == ".html":
            index, follow, links = self._links(target, body)
            if not follow:
                links = []
        if not index:
            return target, None, links
        spooled = self.spool / hashlib.sha256(target.encode()).hexdigest()
        spooled.write_bytes(body)
        version = response.headers.get("etag") or response.headers.get("last-modified")
        name = _name(target, suffix)
        return (
            target,
            SourceItem(target, name, len(body), None, version=None if version is None else f"v:{version}"),
            links,
        )

    def _links(self, base: str, body: bytes) -> tuple[bool, bool, list[str]]:
        tree = LexborHTMLParser(body.decode("utf-8", "replace"))
        index = follow = True
        for meta in tree.css('meta[name="robots"]'):
            content = (meta.attributes.get("content") or "").lower()
            index = index and "noindex" not in content and "none" not in content
            follow = follow and "nofollow" not in content and "none" not in content
        if (base_tag := tree.css_first("base[href]")) is not None:
            base = urljoin(base, base_tag.attributes.get("href") or "")
        links = []
        for anchor in tree.css("a[href]"):
            if "nofollow" in (anchor.attributes.get("rel") or "").lower():
                continue
            if (page := self._normal(urljoin(base, anchor.attributes.get("href") or ""))) is not None:
                links.append(page)
        return index, follow, links

    def _normal(self, url: str) -> str | None:
        """The page's URL on this site (no fragment), or None for another host, scheme or a non-page."""
        url, _ = urldefrag(url.strip())
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != self.origin or _SKIP.search(parts.path):
            return None
        path = parts.path or "/"
        included = not self.config.include or any(fnmatch.fnmatch(path, g) for g in self.config.include)
        if not included and url.rstrip("/") != self.config.start_url.rstrip("/"):
            return None  # the start page is always crawled, for its links
        if any(fnmatch.fnmatch(path, g) for g in self.config.exclude):
            return None
        return urlunsplit((parts.scheme, parts.netloc.lower(), path, parts.query, ""))

    def _allowed(self, url: str) -> bool:
        return self._robots is None or self._robots.can_fetch(USER_AGENT, url)

    def _read_robots(self) -> urllib.robotparser.RobotFileParser | None:
        robots = urllib.robotparser.RobotFileParser()
        url = urlunsplit((*self.origin, "/robots.txt", "", ""))
        try:
            response = self.http.get(url)
        except FetchError:
            # No answer at all: crawl nothing rather than ignore rules we could not read.
            raise FetchError("the site's robots.txt could not be read") from None
        if response.status_code in (401, 403):
            robots.parse(["User-agent: *", "Disallow: /"])
        elif response.status_code == 200:
            robots.parse(response.text.splitlines())
        else:
            robots.parse([])  # no robots.txt (404): everything is allowed
        delay = robots.crawl_delay(USER_AGENT)
        if delay is not None:
            self.patience.min_interval_s = max(self.patience.min_interval_s, float(delay))
        return robots

    def _sitemap_urls(self) -> list[str]:
        if not self.config.sitemap_url:
            return []
        found: list[str] = []
        pending, read = [self.config.sitemap_url], 0
        while pending and read < MAX_SITEMAPS:
            url = pending.pop(0)
            read += 1
            response = self.http.get(url)
            if response.status_code != 200:
                raise FetchError(f"the sitemap answered HTTP {response.status_code}")
            text = response.text
            locations = _LOC.findall(text)
            if "<sitemapindex" in text[:2000].lower():
                pending.extend(locations)
            else:
                found.extend(locations)
        return found

    # -- reading -----------------------------------------------------------------------------------

    def read(self, item: SourceItem) -> bytes:
        spooled = self.spool / hashlib.sha256(item.source_id.encode()).hexdigest()
        try:
            data = spooled.read_bytes()
        except OSError as exc:
            raise ParseError("the page was not kept from this crawl", code="unreadable") from exc
        spooled.unlink(missing_ok=True)
        return data

    def covers(self, source_id: str) -> bool:
        return self._normal(source_id) is not None

    def uri(self, item: SourceItem) -> str:
        return item.source_id

    def close(self) -> None:
        self.http.close()
        shutil.rmtree(self.spool, ignore_errors=True)


def _failed(url: str, message: str, code: str = "fetch_failed") -> SourceItem:
    return SourceItem(url, _name(url, ".html"), 0, None, code, message)


def _name(url: str, suffix: str) -> str:
    stem = PurePosixPath(urlsplit(url).path).name or "index"
    return stem if stem.lower().endswith(suffix) else f"{stem}{suffix}"
