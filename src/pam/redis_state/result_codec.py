"""Search results as JSON bytes, and search cache keys as stable digests.

Decoding is strict and typed from `SearchHit`'s own annotations, so a field added to the hit is
either carried or makes old entries unreadable (a miss), never silently wrong. Anything that does
not decode (a corrupt or foreign value) raises `ValueError`; the cache treats it as a miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
import uuid
from datetime import datetime

from pam.search.cache import CacheKey
from pam.search.results import SearchHit, SearchMode, SearchResult

FORMAT = 1
_MODES = frozenset(typing.get_args(SearchMode))


def key_digest(key: CacheKey) -> str:
    """sha256 of a canonical form of the key: equal keys give equal digests in every process."""
    canonical = json.dumps(_canonical(key), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _canonical(value: object) -> object:
    # Tagged forms keep a string apart from a datetime or uuid with the same text.
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"$f": repr(value)}
    if isinstance(value, (tuple, list)):
        return [_canonical(v) for v in value]
    if isinstance(value, (frozenset, set)):
        items = [_canonical(v) for v in value]
        return {"$set": sorted(items, key=lambda v: json.dumps(v, sort_keys=True))}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$dc": type(value).__qualname__, "fields": fields}
    raise TypeError(f"cannot key a search on a {type(value).__name__}")


class ResultCodec:
    def __init__(self) -> None:
        self._hit_types = typing.get_type_hints(SearchHit)
        self._hit_fields = [f.name for f in dataclasses.fields(SearchHit)]

    def encode(self, result: SearchResult) -> bytes:
        body = {
            "format": FORMAT,
            "query": result.query,
            "mode": result.mode,
            "generation": result.generation,
            "took_ms": result.took_ms,
            "hits": [{name: _plain(getattr(hit, name)) for name in self._hit_fields} for hit in result.hits],
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def decode(self, raw: bytes) -> SearchResult:
        try:
            body = json.loads(raw)
            if not isinstance(body, dict) or body.get("format") != FORMAT:
                raise ValueError("not a cached search result of this format")
            mode = body["mode"]
            if mode not in _MODES:
                raise ValueError("unknown mode")
            hits_raw = body["hits"]
            if not isinstance(hits_raw, list):
                raise ValueError("hits must be a list")
            return SearchResult(
                query=_typed(body["query"], str),
                mode=mode,
                hits=[self._hit(h) for h in hits_raw],
                generation=_typed(body["generation"], int),
                took_ms=_typed(body["took_ms"], float),
            )
        except (KeyError, TypeError, UnicodeDecodeError) as error:
            raise ValueError("malformed cached search result") from error

    def _hit(self, raw: object) -> SearchHit:
        if not isinstance(raw, dict) or set(raw) != set(self._hit_fields):
            raise ValueError("a cached hit does not have the fields of SearchHit")
        return SearchHit(**{name: _typed(raw[name], self._hit_types[name]) for name in self._hit_fields})


def _plain(value: object) -> object:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__} in a search hit")


def _typed(value: object, kind: object) -> typing.Any:
    """`value` (from JSON) as `kind`: str, int, float, bool, UUID, datetime or an optional of one."""
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        (inner,) = [k for k in options if k is not type(None)]
        return _typed(value, inner)
    if kind is uuid.UUID and isinstance(value, str):
        return uuid.UUID(value)
    if kind is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind in (str, bool) and type(value) is kind:
        return value
    raise ValueError(f"a cached value is not a {getattr(kind, '__name__', kind)}")
