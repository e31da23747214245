"""YAML-style front matter at the top of a Markdown file, read without a YAML library.

Only flat `key: value` scalars are kept (as metadata); lists and nested maps are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BLOCK = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_PAIR = re.compile(r"^([A-Za-z_][\w-]{0,63})[ \t]*:[ \t]*(\S.*?)[ \t]*$")
_MAX_KEYS = 64
_MAX_VALUE = 500


@dataclass(frozen=True, slots=True)
class FrontMatter:
    body: str  # the text after the front matter
    values: dict[str, str] = field(default_factory=dict)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def split_front_matter(text: str) -> FrontMatter:
    match = _BLOCK.match(text)
    if match is None:
        return FrontMatter(body=text)
    values: dict[str, str] = {}
    for line in (match.group(1) or "").split("\n"):
        pair = _PAIR.match(line)
        if pair is None or len(values) >= _MAX_KEYS:
            continue
        value = _unquote(pair.group(2))
        if value and value not in ("|", ">"):
            values[pair.group(1).lower()] = value[:_MAX_VALUE]
    return FrontMatter(body=text[match.end() :], values=values)
