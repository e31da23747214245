"""The pieces of a passage an extractive answer can quote: sentences, list items with their lead-in,
and table rows with their header.

A passage's text keeps its structure (the chunker renders a list as ``- item`` lines and a table as
``a | b`` rows, header first), so:

- prose splits into sentences;
- a sentence that ends with ``:`` and is followed by a list or a table is a *lead-in*: the list (or
  table) becomes one unit shown under it, and each item also becomes a unit of its own that carries the
  lead-in, so an answer never shows a bare item or a list heading without its list;
- a table row becomes ``header: cell; header: cell`` (a two-column "field | value" table gives
  ``field: value``), so a row read alone still says what each cell is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pam.answer.text_terms import sentence_spans

MAX_LIST_ITEMS = 10
MAX_UNIT_CHARS = 700
LONG_ITEM_CHARS = 160
_ITEM = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+")
# A sentence opening with a pronoun that points back ("It needs ...", "This means ...").
_LEANS_BACK = re.compile(
    r"(?:It|Its|This|That|These|Those|They|Their|He|She|Such)\b(?!\s+(?:is|are)\s+(?:a|an|the)\b)"
)


@dataclass(frozen=True, slots=True)
class Unit:
    """One quotable piece. ``text`` is what the answer shows; ``lead`` (a list's lead-in) goes before it."""

    text: str
    start: int  # offset in the passage content, for ordering
    kind: str  # sentence | item | list | row | table
    lead: str = ""
    steps: bool = False  # a numbered list or one of its items

    @property
    def shown(self) -> str:
        return f"{self.lead}\n{self.text}" if self.lead else self.text


def passage_units(content: str, lead_before: str = "") -> list[Unit]:
    """``lead_before``: the lead-in that ended the previous passage of the document, if the passage
    starts with its list or table (the chunker may have put them apart)."""
    units: list[Unit] = []
    blocks = _blocks(content)
    for index, (start, kind, lines) in enumerate(blocks):
        if kind == "prose":
            units.extend(_sentences(" ".join(lines), start))
            continue
        lead = lead_before if index == 0 else ""
        if index and blocks[index - 1][1] == "prose":
            previous = _sentences(" ".join(blocks[index - 1][2]), blocks[index - 1][0])
            if previous and previous[-1].text.endswith(":"):
                lead = previous[-1].text
        if kind == "list":
            units.extend(_list_units(lines, start, lead))
        else:
            units.extend(_table_units(lines, start, lead))
    return units


def trailing_lead(content: str) -> str:
    """The passage's last sentence if it introduces what follows (ends with a colon), else ""."""
    blocks = _blocks(content)
    if not blocks or blocks[-1][1] != "prose":
        return ""
    last = _sentences(" ".join(blocks[-1][2]), 0)
    return last[-1].text if last and last[-1].text.endswith(":") else ""


def _blocks(content: str) -> list[tuple[int, str, list[str]]]:
    """(offset, prose|list|table, lines): consecutive lines of one kind, split at blank lines for prose."""
    blocks: list[tuple[int, str, list[str]]] = []
    offset = 0
    for raw in content.split("\n"):
        line = raw.rstrip()
        kind = "list" if _ITEM.match(line) else "table" if " | " in line else "prose"
        if kind == "prose" and line.startswith("  ") and blocks and blocks[-1][1] == "list":
            kind = "list"  # an item's continuation line
        if not line.strip():
            blocks.append((offset, "blank", []))
        elif (
            blocks
            and blocks[-1][1] == kind
            and not (kind == "prose" and _ends_indented_run(blocks[-1][2][-1], line))
        ):
            blocks[-1][2].append(line)
        else:
            blocks.append((offset, kind, [line]))
        offset += len(raw) + 1
    return [b for b in blocks if b[1] != "blank"]


def _ends_indented_run(previous: str, line: str) -> bool:
    """Plain text sets figures and quotes apart by indenting them, often without a final full stop:
    a line that starts a sentence at a smaller indent than an indented line that ended without
    continuing its sentence starts a new block, so the two do not read as one sentence."""
    indent = len(previous) - len(previous.lstrip())
    return (
        indent >= 2
        and len(line) - len(line.lstrip()) < indent
        and line.lstrip()[:1].isupper()
        and not re.search(r"[a-z,;(\-]$", previous)
    )


def _sentences(text: str, offset: int) -> list[Unit]:
    """Each sentence; one that leans on the sentence before it ("It expires after 90 days.") is
    quoted with that sentence, so the answer says what "it" is."""
    text = " ".join(text.split())
    units: list[Unit] = []
    previous = ""
    for start, end in sentence_spans(text):
        sentence = text[start:end].strip().lstrip("#>").strip()
        if not sentence:
            continue
        shown = sentence
        # A lead-in ("These six events count:") introduces what follows: it stays as written.
        leans = _LEANS_BACK.match(sentence) and not sentence.endswith(":")
        if previous and leans and len(previous) + len(sentence) < MAX_UNIT_CHARS:
            shown = f"{previous} {sentence}"
        units.append(Unit(shown[:MAX_UNIT_CHARS], offset + start, "sentence"))
        previous = sentence
    return units


def _list_units(lines: list[str], offset: int, lead: str) -> list[Unit]:
    items: list[str] = []
    numbered = bool(lines) and bool(_NUMBERED.match(lines[0]))
    for line in lines:
        if _ITEM.match(line) and not line.startswith("  "):
            items.append(_ITEM.sub("", line).strip())
        elif items:
            items[-1] += " " + line.strip()
    units = [Unit(_clip(item), offset + i, "item", lead, numbered) for i, item in enumerate(items) if item]
    shown = items[:MAX_LIST_ITEMS]
    marker = [f"{i}." for i in range(1, len(shown) + 1)] if numbered else ["-"] * len(shown)
    whole = "\n".join(f"{m} {_clip(item, 240)}" for m, item in zip(marker, shown, strict=True))
    if len(items) > 1:
        units.append(Unit(whole, offset, "list", lead, numbered))
    return units


def _table_units(lines: list[str], offset: int, lead: str) -> list[Unit]:
    rows = [[cell.strip() for cell in line.split(" | ")] for line in lines]
    header, body = rows[0], rows[1:]
    units: list[Unit] = []
    key_value = len(header) == 2
    for i, row in enumerate(body):
        if key_value and len(row) >= 2:
            text = f"{row[0]}: {' | '.join(row[1:])}"
        else:
            cells = [f"{h}: {c}" for h, c in zip(header[1:], row[1:], strict=False) if c]
            text = f"{row[0]} – " + "; ".join(cells) if cells else row[0]
        units.append(Unit(_clip(text), offset + i + 1, "row", lead))
    if 1 < len(body) <= MAX_LIST_ITEMS:
        shown = "\n".join(f"- {u.text}" for u in units)
        units.append(Unit(shown, offset, "table", lead))
    return units


def _clip(text: str, limit: int = MAX_UNIT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"
