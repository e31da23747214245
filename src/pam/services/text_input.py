"""Text from clients that a store can keep: no NUL characters (PostgreSQL text cannot hold them) and no
lone surrogates (no UTF-8 encodes them; JSON's `\\ud800` escapes make them). Refused as invalid input,
never a failed insert."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pam.errors import InvalidInput


def require_storable(text: str, what: str) -> None:
    if "\x00" in text:
        raise InvalidInput(f"{what} may not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(f"{what} is not valid Unicode text") from exc


def require_storable_values(value: object, what: str, depth: int = 0) -> None:
    """Every string inside a JSON-like value (tool arguments), checked like `require_storable`."""
    if depth > 20:
        raise InvalidInput(f"{what} is nested too deeply")
    if isinstance(value, str):
        require_storable(value, what)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            require_storable(str(key), what)
            require_storable_values(item, what, depth + 1)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for item in value:
            require_storable_values(item, what, depth + 1)
