"""Reading the outbox on PostgreSQL without ever skipping a change that is still being committed.

`index_outbox.seq` comes from a sequence, and on PostgreSQL several writers (workers, servers) commit
concurrently: seq 7 can become visible while seq 6 is still in flight. An index that recorded
"applied up to 7" would never see 6. So the applied sequence only ever moves over seqs that are final:

- a contiguous run after `applied_seq` is final (every seq in it is visible, hence committed);
- a missing seq (a gap) is either in flight or gone for good (its transaction rolled back: sequences
  are not transactional). We wait for it: most gaps fill within one sync. A gap still there after
  `GAP_GRACE_S` is settled by taking `SHARE` lock on the outbox for an instant in a separate
  transaction: it conflicts with the lock every INSERT holds until its transaction ends, so once
  granted no transaction holds an uncommitted seq, and every seq up to the visible maximum is final.
  `lock_timeout` keeps writers from queueing behind us for long; on timeout we try again next sync.

The embedded index reads the outbox with pam.search.feed, which is exact on SQLite (one writer at a
time commits in seq order).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

GAP_GRACE_S = 1.0
LOCK_TIMEOUT = "500ms"


@dataclass(frozen=True, slots=True)
class OutboxPage:
    document_ids: list[uuid.UUID]  # distinct, in seq order
    applied_to: int  # the new applied_seq once these documents are applied (>= the old one)


@dataclass(slots=True)
class GapWatch:
    """The first missing seq this process is waiting for, and since when (per index instance)."""

    seq: int = 0
    since: float = 0.0

    def overdue(self, seq: int) -> bool:
        now = time.monotonic()
        if seq != self.seq:
            self.seq, self.since = seq, now
            return False
        return now - self.since >= GAP_GRACE_S


async def settled_horizon(sessions: async_sessionmaker[AsyncSession]) -> int | None:
    """The highest seq below which nothing is in flight, or None when writers held the lock too long."""
    async with sessions() as s, s.begin():
        await s.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        try:
            await s.execute(text("LOCK TABLE index_outbox IN SHARE MODE"))
        except exc.DBAPIError:
            return None
        return int((await s.execute(text("SELECT coalesce(max(seq), 0) FROM index_outbox"))).scalar_one())


async def _read(
    session: AsyncSession, after: int, upto: int | None, limit: int
) -> list[tuple[int, uuid.UUID]]:
    params: dict[str, int] = {"after": after, "limit": limit}
    bound = ""
    if upto is not None:
        bound, params["upto"] = " AND seq <= :upto", upto
    rows = await session.execute(
        text(
            f"SELECT seq, document_id FROM index_outbox WHERE seq > :after{bound} ORDER BY seq LIMIT :limit"
        ),
        params,
    )
    return [(int(seq), doc_id) for seq, doc_id in rows]


async def next_page(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    applied: int,
    limit: int,
    gap: GapWatch,
) -> OutboxPage:
    rows = await _read(session, applied, None, limit)
    final = applied
    for seq, _ in rows:
        if seq != final + 1:
            break
        final = seq
    if rows and final < rows[-1][0] and gap.overdue(final + 1):
        horizon = await settled_horizon(sessions)
        if horizon is not None:
            # Read again: the gap may have filled since. Up to the horizon every seq is final, and one
            # still missing never will be.
            rows = await _read(session, applied, horizon, limit)
            final = horizon if len(rows) < limit else rows[-1][0]
    docs = [doc_id for seq, doc_id in rows if seq <= final]
    return OutboxPage(list(dict.fromkeys(docs)), final)
