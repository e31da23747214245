"""Keyset pagination: one cursor format and one query helper for every paged list.

A cursor is the sort value and the id of the last item seen, as base64url JSON. Keyset (not
OFFSET) pagination returns each item exactly once while new items arrive, and each page costs an
index range scan however deep the client has paged.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import DateTime, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from pam.errors import InvalidInput

T = TypeVar("T")
MAX_CURSOR_CHARS = 500


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    total: int | None = None


def encode_cursor(value: object, item_id: uuid.UUID) -> str:
    shown = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([shown, str(item_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, as_datetime: bool = True) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) of a cursor; 400 for anything that is not one of ours."""
    try:
        if len(cursor) > MAX_CURSOR_CHARS:
            raise ValueError("too long")
        value, item_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if as_datetime:
            value = datetime.fromisoformat(value)
        elif not isinstance(value, str | int | float):
            raise TypeError("not a scalar")
        return value, uuid.UUID(item_id)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidInput("invalid cursor") from exc


@dataclass(frozen=True, slots=True)
class Keyset:
    """How a list is ordered: a sort column (then the id, to break ties) and a direction."""

    column: InstrumentedAttribute[Any]
    id_column: InstrumentedAttribute[Any]
    descending: bool = True

    def after(self, query: Select[Any], cursor: str) -> Select[Any]:
        column_type = self.column.type
        # A TypeDecorator (UTCDateTime) reports `object` as its Python type; its implementation knows.
        timestamp = isinstance(getattr(column_type, "impl", column_type), DateTime)
        value, last_id = decode_cursor(cursor, as_datetime=timestamp)
        if not timestamp and not isinstance(value, column_type.python_type):
            raise InvalidInput("invalid cursor")
        if self.descending:
            beyond = or_(self.column < value, and_(self.column == value, self.id_column < last_id))
        else:
            beyond = or_(self.column > value, and_(self.column == value, self.id_column > last_id))
        return query.where(beyond)

    def ordered(self, query: Select[Any]) -> Select[Any]:
        if self.descending:
            return query.order_by(self.column.desc(), self.id_column.desc())
        return query.order_by(self.column.asc(), self.id_column.asc())


async def keyset_page(
    session: AsyncSession,
    query: Select[Any],
    keyset: Keyset,
    *,
    limit: int,
    cursor: str | None,
    count: bool = True,
) -> Page[Any]:
    """One page of `query` (a select of one entity) after `cursor`, and the total of the whole filtered list."""
    total = None
    if count:
        total = int(
            await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        )
    paged = keyset.ordered(keyset.after(query, cursor) if cursor else query)
    rows = list(await session.scalars(paged.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(getattr(last, keyset.column.key), getattr(last, keyset.id_column.key))
    return Page(rows[:limit], next_cursor, total)
