"""Reading glossary entries from a parsed document (the convention of docs/glossary.md).

A glossary is a section whose heading contains the word "glossary" (or a document whose title
does). Inside it, an entry is either

- a row of a table whose header has a ``Term`` column and a ``Definition`` (or ``Meaning``)
  column, with an optional ``Aliases`` (or ``Also known as``, ``Synonyms``) column whose names are
  separated by commas or semicolons; a two-column table without such a header reads as term,
  definition; or
- a paragraph or list item ``Term (alias, alias) – definition``: the term first, its aliases in
  parentheses, then a dash (``–``, ``—`` or a spaced ``-``) or a colon, then the definition
  (in Markdown usually ``**Term** – definition``; the bold is not needed). A definition may also
  name aliases in a sentence starting ``Also:``.

Anything else in the section is ignored, so prose around the entries does no harm.
"""

from __future__ import annotations

import re

from pam.ingest.parsers.base import Block, ParsedDocument
from pam.store.glossary import (
    MAX_ALIASES,
    MAX_DEFINITION_CHARS,
    MAX_ENTRIES,
    MAX_TERM_CHARS,
    GlossaryDraft,
    split_names,
    term_key,
)

MAX_TERM_WORDS = 6
_VERB = re.compile(r"\b(?:is|are|was|were|has|have|reads|means|does|do)\b", re.IGNORECASE)
_GLOSSARY = re.compile(r"\bglossary\b", re.IGNORECASE)
_ENTRY = re.compile(
    r"^\s*(?:[-*•+]\s+|\d{1,3}[.)]\s+)?(?P<term>[^\s–—:(][^–—:()]{0,78}?)\s*(?:\((?P<aliases>[^()]{1,200})\))?"
    r"\s*(?:[–—]|\s-\s|:)\s*(?P<definition>\S.*)$",
    re.DOTALL,
)
_ALSO = re.compile(
    r"(?:^|(?<=[.;]))\s*(?:also|aka|a\.k\.a\.|also known as|also called)\s*[:]\s*(?P<names>[^.]+)\.?",
    re.IGNORECASE,
)
_TERM_HEADERS = ("term", "terms", "name", "word", "acronym", "abbreviation")
_DEFINITION_HEADERS = ("definition", "definitions", "meaning", "description", "explanation")
_ALIAS_HEADERS = ("alias", "aliases", "also known as", "aka", "synonym", "synonyms", "also")


def extract_glossary(document: ParsedDocument) -> list[GlossaryDraft]:
    whole = bool(_GLOSSARY.search(document.title))
    found: dict[str, GlossaryDraft] = {}
    inside_level: int | None = 0 if whole else None
    for block in document.blocks:
        if block.kind == "heading":
            if _GLOSSARY.search(block.text):
                inside_level = block.level
            elif inside_level is not None and 0 < block.level <= inside_level and not whole:
                inside_level = None
            continue
        if inside_level is None:
            continue
        for draft in _entries(block):
            key = term_key(draft.term)
            if key and key not in found and len(found) < MAX_ENTRIES:
                found[key] = draft
    return list(found.values())


def _entries(block: Block) -> list[GlossaryDraft]:
    if block.kind == "table":
        return _table_entries(block.text)
    if block.kind != "text":
        return []
    pieces = (
        re.split(r"\n(?=\s*(?:[-*•+]|\d{1,3}[.)])\s)", block.text) if "\n" in block.text else [block.text]
    )
    drafts = []
    for piece in pieces:
        draft = _line_entry(" ".join(piece.split()))
        if draft is not None:
            drafts.append(draft)
    return drafts


def _line_entry(text: str) -> GlossaryDraft | None:
    match = _ENTRY.match(text)
    if match is None:
        return None
    term = match.group("term").strip().strip("*_`").strip()
    if not term or len(term.split()) > MAX_TERM_WORDS or term.endswith((".", "?", "!")) or _VERB.search(term):
        return None  # a sentence that happens to contain a colon, not a term
    aliases = split_names(match.group("aliases") or "")
    return _draft(term, match.group("definition"), aliases)


def _table_entries(text: str) -> list[GlossaryDraft]:
    rows = [[cell.strip() for cell in line.split(" | ")] for line in text.split("\n") if line.strip()]
    if len(rows) < 2:
        return []
    header = [h.casefold() for h in rows[0]]
    term_col = next((i for i, h in enumerate(header) if h in _TERM_HEADERS), None)
    definition_col = next((i for i, h in enumerate(header) if h in _DEFINITION_HEADERS), None)
    alias_col = next((i for i, h in enumerate(header) if h in _ALIAS_HEADERS), None)
    if term_col is None or definition_col is None:
        if len(header) != 2:
            return []
        term_col, definition_col = 0, 1
    drafts = []
    for row in rows[1:]:
        if max(term_col, definition_col) >= len(row):
            continue
        aliases = split_names(row[alias_col]) if alias_col is not None and alias_col < len(row) else ()
        draft = _draft(row[term_col].strip("*_`"), row[definition_col], aliases)
        if draft is not None:
            drafts.append(draft)
    return drafts


def _draft(term: str, definition: str, aliases: tuple[str, ...]) -> GlossaryDraft | None:
    definition = " ".join(definition.split())
    if not term or not definition or len(term) > MAX_TERM_CHARS:
        return None
    also = _ALSO.search(definition)
    if also is not None:
        aliases = (*aliases, *split_names(also.group("names")))
    key = term_key(term)
    unique = tuple(dict.fromkeys(a for a in aliases if term_key(a) and term_key(a) != key))
    return GlossaryDraft(term, definition[:MAX_DEFINITION_CHARS], unique[:MAX_ALIASES])
