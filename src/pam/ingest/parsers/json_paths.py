"""JSON values as `path: value` lines (`orders[0].customer.name: Ada`), depth-bounded."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_NEWLINES = re.compile(r"\s*\n\s*")
MAX_VALUE_CHARS = 2_000


def key_path(parent: str, key: str) -> str:
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def scalar_text(value: object) -> str:
    text = _NEWLINES.sub(" ", value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def path_lines(value: object, path: str, depth_left: int) -> Iterator[str]:
    """One line per leaf. Below `depth_left` levels a subtree is shown as compact JSON."""
    label = path or "value"
    if isinstance(value, dict):
        if not value:
            yield f"{label}: {{}}"
        elif depth_left <= 0:
            yield f"{label}: {scalar_text(json.dumps(value, ensure_ascii=False))}"
        else:
            for key, item in value.items():
                yield from path_lines(item, key_path(path, str(key)), depth_left - 1)
    elif isinstance(value, list):
        if not value:
            yield f"{label}: []"
        elif depth_left <= 0:
            yield f"{label}: {scalar_text(json.dumps(value, ensure_ascii=False))}"
        else:
            for index, item in enumerate(value):
                yield from path_lines(item, f"{path}[{index}]", depth_left - 1)
    else:
        yield f"{label}: {scalar_text(value)}"


def top_level_groups(value: object) -> Iterator[tuple[str, object]]:
    """(path, value) per top-level entry: the unit kept together in one block where it fits."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield key_path("", str(key)), item
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield f"[{index}]", item
    else:
        yield "", value
