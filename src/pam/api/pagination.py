"""Opaque keyset cursors: (timestamp, id) of the last item seen, base64-encoded.

Keyset (not OFFSET) pagination returns each item exactly once while new items arrive.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime

from pam.errors import InvalidInput


def encode_cursor(moment: datetime, item_id: uuid.UUID) -> str:
    raw = json.dumps([moment.isoformat(), str(item_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, item_id = json.loads(raw)
        return datetime.fromisoformat(moment), uuid.UUID(item_id)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("invalid cursor") from exc
