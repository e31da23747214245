"""The website crawler keeps to its site: robots.txt, its own host, pages only, and its request rate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.connectors.worlds import WebsiteWorld
from tests.fakes.website import FakeWebsite


@pytest.fixture
def world(tmp_path: Path) -> Iterator[WebsiteWorld]:
    site = FakeWebsite()
    w = WebsiteWorld(site, tmp_path)
    for key in ("one", "two", "three", "four"):
        w.add(key, f"Page {key} of the handbook.")
    try:
        yield w
    finally:
        w.close()
        site.close()


def test_the_crawl_obeys_robots_and_stays_on_its_host(world: WebsiteWorld) -> None:
    listing = world.connector().listing(None)
    paths = sorted(i.source_id.removeprefix(world.site.url) for i in listing.items)
    assert paths == ["/docs/four.html", "/docs/one.html", "/docs/three.html", "/docs/two.html"]
    requested = {r.path for r in world.site.http.log}
    assert "/robots.txt" in requested
    assert not [p for p in requested if p.startswith("/private/")], "a disallowed page was fetched"
    assert "/logo.png" not in requested, "an image is not a page"
    assert "/" not in {i.source_id.removeprefix(world.site.url) for i in listing.items}, "noindex kept out"


def test_requests_keep_to_the_configured_rate(world: WebsiteWorld) -> None:
    world.connector(requests_per_second=10).listing(None)
    times = world.site.requested_at
    # Paced at the sender: over the crawl, no more than 10 requests a second (arrival jitters a little).
    assert len(times) >= 6
    assert times[-1] - times[0] >= (len(times) - 1) * 0.1 * 0.95, times


def test_a_crawl_cut_short_deletes_nothing(world: WebsiteWorld) -> None:
    listing = world.connector(max_pages=2).listing(None)
    assert len(listing.items) == 2 and listing.present is None


def test_a_sitemap_reaches_pages_nothing_links(world: WebsiteWorld) -> None:
    world.site.put("/orphans/lonely.html", "Lonely", "Linked from nowhere, listed in the sitemap.")
    listing = world.connector(sitemap_url=world.site.url + "/sitemap.xml").listing(None)
    assert world.site.url + "/orphans/lonely.html" in {i.source_id for i in listing.items}
