"""The one contract every `SourceConnector` passes (folder, upload, Git, GitHub, Google Drive, website).

A `World` is a source the test can change (add, edit, remove, break one item) and the connector
over it. `ConnectorContract` holds the behaviour the pipeline relies on:
- a listing gives stable ids and versions (listing twice gives the same), and items read back;
- an edit changes that item's version (or content) and no other's;
- an incremental listing from the cursor holds what changed, and a source with a change feed
  does not hand back what did not;
- a removed item is reported gone (in `deleted`, or missing from `present`) and covered;
- one broken item raises for that item only: the listing and every other read still work.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Protocol

import pytest

from pam.errors import PamError
from pam.ingest.prepare import read_item
from pam.ingest.sources.base import Listing, SourceConnector, SourceItem


class World(Protocol):
    mirrors: bool
    incremental: bool  # has a change feed: an incremental listing leaves unchanged items out

    def add(self, key: str, text: str) -> None: ...
    def edit(self, key: str, text: str) -> None: ...
    def remove(self, key: str) -> None: ...
    def break_item(self, key: str) -> None: ...
    def settle(self) -> None:
        """Let time pass between syncs (a feed keyed by time re-lists its last second)."""
        ...

    def connector(self) -> SourceConnector: ...
    def id_of(self, key: str, listing: Listing) -> str: ...


def by_id(listing: Listing) -> dict[str, SourceItem]:
    return {i.source_id: i for i in listing.items}


def content(connector: SourceConnector, item: SourceItem) -> str:
    data, _ = read_item(connector, item)
    return data.decode("utf-8", "replace")


def fingerprint(connector: SourceConnector, item: SourceItem) -> str:
    return item.version if item.version is not None else content(connector, item)


def gone(listing: Listing, source_id: str) -> bool:
    return source_id in listing.deleted or (listing.present is not None and source_id not in listing.present)


class ConnectorContract:
    """Subclass with a `world` fixture returning a fresh `World`."""

    def seed(self, world: World) -> None:
        world.add("alpha", "Alpha notes: the nightly backup runs at two.")
        world.add("beta", "Beta notes: invoices are approved by finance.")
        world.add("gamma", "Gamma notes: the pager rotates weekly.")
        world.settle()

    def test_listing_gives_stable_ids_and_versions(self, world: World) -> None:
        self.seed(world)
        first = world.connector().listing(None)
        second = world.connector().listing(None)
        assert len(first.items) == 3 and len({i.source_id for i in first.items}) == 3
        a, b = world.connector(), world.connector()
        assert {i.source_id: fingerprint(a, i) for i in first.items} == {
            i.source_id: fingerprint(b, i) for i in second.items
        }
        if first.present is not None:
            assert {i.source_id for i in first.items} <= first.present

    def test_every_item_reads_back_its_content(self, world: World) -> None:
        self.seed(world)
        connector = world.connector()
        listing = connector.listing(None)
        texts = {world.id_of(k, listing): k for k in ("alpha", "beta", "gamma")}
        for item in listing.items:
            assert texts[item.source_id].capitalize() + " notes" in content(connector, item)
            assert item.name and PurePosixPath(item.name).suffix, "a name a parser can be picked by"
            uri = connector.uri(item)
            assert uri and not uri.startswith("/"), "never an absolute server path"

    def test_an_edit_changes_that_items_version_and_no_other(self, world: World) -> None:
        self.seed(world)
        connector = world.connector()
        before = connector.listing(None)
        old = {i.source_id: fingerprint(connector, i) for i in before.items}
        world.edit("beta", "Beta notes: invoices now need two approvals.")
        connector = world.connector()
        after = connector.listing(None)
        new = {i.source_id: fingerprint(connector, i) for i in after.items}
        beta = world.id_of("beta", after)
        assert new.keys() == old.keys()
        assert [sid for sid in new if new[sid] != old[sid]] == [beta]
        assert "two approvals" in content(connector, by_id(after)[beta])

    def test_an_incremental_listing_holds_what_changed_since_the_cursor(self, world: World) -> None:
        self.seed(world)
        first = world.connector().listing(None)
        world.settle()
        world.edit("alpha", "Alpha notes: the nightly backup now runs at three.")
        world.add("delta", "Delta notes: the office closes at six.")
        connector = world.connector()
        later = connector.listing(first.cursor)
        listed = by_id(later)
        assert {world.id_of("alpha", later), world.id_of("delta", later)} <= listed.keys()
        assert "runs at three" in content(connector, listed[world.id_of("alpha", later)])
        if world.incremental:
            assert first.cursor is not None and later.cursor is not None
            assert world.id_of("gamma", first) not in listed, "an unchanged item was handed back"
        world.settle()
        again = world.connector().listing(later.cursor)
        # Nothing changed since: whatever comes back (a feed keyed by time re-lists the second it ended on)
        # has the version already seen, so the pipeline skips it unread.
        for item in again.items:
            assert item.source_id in listed and item.version == listed[item.source_id].version
        if world.incremental:
            assert world.id_of("gamma", first) not in by_id(again)

    def test_a_removed_item_is_reported_gone(self, world: World) -> None:
        if not world.mirrors:
            pytest.skip("this source only adds (uploads are removed through the API)")
        self.seed(world)
        connector = world.connector()
        first = connector.listing(None)
        gamma = world.id_of("gamma", first)
        world.remove("gamma")
        connector = world.connector()
        later = connector.listing(first.cursor)
        assert gone(later, gamma) and connector.covers(gamma)
        assert gamma not in by_id(later)
        for key in ("alpha", "beta"):
            assert not gone(later, world.id_of(key, first))

    def test_one_broken_item_costs_that_item_only(self, world: World) -> None:
        self.seed(world)
        world.break_item("beta")
        connector = world.connector()
        listing = connector.listing(None)
        beta = world.id_of("beta", listing)
        read: dict[str, str] = {}
        for item in listing.items:
            if item.source_id == beta:
                with pytest.raises(PamError):
                    read_item(connector, item)
            else:
                read[item.source_id] = content(connector, item)
        assert len(read) == 2
