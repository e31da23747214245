"""Regular expressions for names, emails and free text, shared by the API schema and the services.

The API's JSON Schema states each rule as a `pattern`, and the service that stores the value checks
the same rule, so a value the schema accepts is never refused later (and the other way round).
Whitespace is spelled out instead of written `\\s`, whose meaning differs between Python, the
JSON Schema (ECMAScript) dialect and pydantic's Rust engine: here it is exactly what Python's
`str.isspace()` (and so `str.strip()`) calls whitespace.
"""

from __future__ import annotations

import re

WHITESPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
_CONTROL = "\\x00-\\x1f\\x7f"

# Has a character that is not whitespace (unanchored, as JSON Schema patterns are).
NOT_BLANK = f"[^{WHITESPACE}]"
# Text a store can keep: no NUL character (PostgreSQL's text and JSON types cannot hold one). The
# services check it with `pam.services.text_input.require_storable`.
STORABLE = "^[^\\x00]*$"
# Storable, and something besides whitespace.
STORABLE_NOT_BLANK = f"^[^\\x00]*[^{WHITESPACE}\\x00][^\\x00]*$"
# No control characters at all.
NO_CONTROL = f"^[^{_CONTROL}]*$"
# No control characters, and something besides whitespace.
PRINTABLE_NAME = f"^[^{_CONTROL}]*[^{WHITESPACE}{_CONTROL}][^{_CONTROL}]*$"
# Deliberately loose: one @, a dot after it, no whitespace or control characters. Delivery is not our business.
_EMAIL_PART = f"[^@{WHITESPACE}{_CONTROL}]"
EMAIL = f"^{_EMAIL_PART}{{1,64}}@{_EMAIL_PART}+\\.{_EMAIL_PART}+$"
# An email as typed: surrounding whitespace is allowed (and stripped before EMAIL is checked).
EMAIL_AS_TYPED = f"^[{WHITESPACE}]*{EMAIL[1:-1]}[{WHITESPACE}]*$"


def matches(pattern: str, value: str) -> bool:
    """`value` satisfies `pattern` as JSON Schema reads it: a search, anchored only by ^ and $, where
    `$` is the end of the text (Python's `$` would also match before a final newline)."""
    if pattern.startswith("^") and pattern.endswith("$"):
        return re.fullmatch(pattern[1:-1], value) is not None
    return re.search(pattern, value) is not None
