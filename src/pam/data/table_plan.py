"""Reading a table question without an LLM: which table, which rows, what to compute.

Filters come from values of a table's text columns found in the question: as words ("2026-Q3",
"activation rate" for ``activation_rate``), as initials ("weekly active users" for ``wau``), as a
prefix shared by several values ("signup" for ``signup_started`` and ``signup_completed``: all of
them, grouped), or as a country name for a column of ISO country codes ("Germany" for ``DE``).

What to compute comes from the wording:

- ``lookup``: the columns the question names, for the rows the filters leave;
- ``aggregate``: "average/total/highest/lowest <numeric column>";
- ``count``: "how many ...";
- ``top``: "which <column> ... the most/least" (a date column answers "which day");
- ``change``: one column with two values and "grow/increase/change/difference/from ... to".

A plan is only made when exactly one table fits best; anything unclear is left to the text answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pam.data.models import VisibleTable

Intent = Literal["lookup", "aggregate", "count", "top", "change"]
_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}\b")
AGGREGATES = {
    "average": "avg", "mean": "avg", "total": "sum", "sum": "sum",
    "highest": "max", "maximum": "max", "largest": "max", "lowest": "min", "minimum": "min", "smallest": "min",
}  # fmt: skip
_MOST = {"most": "DESC", "busiest": "DESC", "fewest": "ASC", "least": "ASC"}
_CHANGE = frozenset(
    {"grow", "growth", "increase", "rise", "change", "difference", "drop", "decrease", "differ"}
)
_TIME_WORDS = {"day": "day", "date": "day", "days": "day", "month": "month", "week": "week", "year": "year"}
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "from",
        "with",
        "what",
        "which",
        "when",
        "who",
        "how",
        "many",
        "much",
        "data",
        "file",
        "table",
        "events",
    ]
)
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "UBIGINT")
_TEMPORAL = ("TIMESTAMP", "DATE")


@dataclass(frozen=True, slots=True)
class Filter:
    column: str
    values: tuple[str, ...]  # one: equality; several: IN (and the answer is grouped by the column)
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Plan:
    table: VisibleTable
    filters: tuple[Filter, ...]
    wanted: tuple[str, ...]
    intent: Intent
    aggregate: str | None = None  # avg/sum/min/max for "aggregate"
    group: str | None = None  # the column (or "day"/"month" of a date column) for "top"
    temporal: str | None = None  # day/month/... when group is a date column
    order: str = "DESC"
    weight: int = 0  # how well the plan fits the question: the best single plan wins


def words_of(question: str) -> list[str]:
    return _WORD.findall(question.lower())


def plan_table(
    table: VisibleTable, values: dict[str, tuple[str, ...]], question: str, words: list[str]
) -> Plan | None:
    filters = _filters(values, question, words)
    if filters is None:
        return None
    taken = {i for f in filters for i in range(f.start, f.end)}
    filtered = {f.column for f in filters}
    columns = table.table.columns
    wanted = tuple(c.name for c in columns if c.name not in filtered and _named(c.name, words, taken))
    named_table = all(p in {w.removesuffix("s") for w in words} for p in _parts(table.name, singular=True))
    # A table the question names ("in the events data") outweighs a stray value match elsewhere.
    weight = sum(len(f.values) == 1 for f in filters) + len(filters) + (3 if named_table else 0)
    numeric = [c.name for c in columns if c.name in wanted and c.type.startswith(NUMERIC)]
    aggregate = next((AGGREGATES[w] for w in words if w in AGGREGATES), None)
    pair = [f for f in filters if len(f.values) == 2]
    if pair and _CHANGE & set(words) and len(numeric) == 1:
        return Plan(table, tuple(filters), (numeric[0],), "change", weight=weight + 1)
    if any(len(f.values) > 1 for f in filters) and not ("how" in words and "many" in words):
        return None
    order = next((_MOST[w] for w in words if w in _MOST), None)
    if (
        order is not None
        and words[0] in ("which", "what", "on", "in")
        and (group := _grouping(table, words, filtered))
    ):
        column, temporal = group
        return Plan(
            table, tuple(filters), (), "top", group=column, temporal=temporal, order=order, weight=weight + 1
        )
    if "how" in words and "many" in words and not numeric:
        if not filters:
            return None  # "how many X were sent by Y": a condition it cannot read would be dropped
        return Plan(table, tuple(filters), (), "count", weight=weight + 1)
    if not filters:
        return None
    if aggregate is not None:
        if len(numeric) != 1:
            return None
        return Plan(table, tuple(filters), (numeric[0],), "aggregate", aggregate, weight=weight + 1)
    if not wanted:
        return None
    return Plan(table, tuple(filters), wanted, "lookup", weight=weight)


def _filters(values: dict[str, tuple[str, ...]], question: str, words: list[str]) -> list[Filter] | None:
    exact: list[Filter] = []
    for column, options in values.items():
        for value in options:
            exact.extend(Filter(column, (value,), s, e) for s, e in _occurrences(value, words))
    accepted: list[Filter] = []
    taken: set[int] = set()
    for f in sorted(exact, key=lambda f: -(f.end - f.start)):
        if taken & set(range(f.start, f.end)):
            continue
        same = next((a for a in accepted if a.column == f.column), None)
        if same is not None:
            if f.values[0] in same.values:
                continue
            accepted.remove(same)
            f = Filter(f.column, (*same.values, *f.values), min(same.start, f.start), max(same.end, f.end))
        accepted.append(f)
        taken |= set(range(f.start, f.end))
    if any(len(f.values) > 2 for f in accepted):
        return None
    used = {f.column for f in accepted}
    for column, options in values.items():
        if column in used:
            continue
        extra = _prefix_filter(column, options, words, taken) or _country_filter(
            column, options, question, words
        )
        if extra is not None:
            accepted.append(extra)
            taken |= set(range(extra.start, extra.end))
    return sorted(accepted, key=lambda f: f.start)


def _prefix_filter(column: str, options: tuple[str, ...], words: list[str], taken: set[int]) -> Filter | None:
    """ "signup events" -> the values of event_name that start with "signup_" (at most 5 of them): the
    word after the prefix must name the column, so a stray word never becomes a filter."""
    head = _parts(column, singular=True)[0]
    for i, word in enumerate(words[:-1]):
        if i in taken or len(word) < 4 or not word.isalpha() or word in _STOP:
            continue
        if words[i + 1].removesuffix("s") != head:
            continue
        matching = tuple(v for v in options if re.match(rf"{re.escape(word)}[_ \-]", v.lower()))
        if 1 <= len(matching) <= 5:
            return Filter(column, matching, i, i + 1)
    return None


def _country_filter(column: str, options: tuple[str, ...], question: str, words: list[str]) -> Filter | None:
    """ "from Germany" on a column of ISO 3166 alpha-2 codes -> country = 'DE'."""
    if len(options) < 3 or not all(re.fullmatch(r"[A-Z]{2}", v) for v in options):
        return None
    import pycountry  # only for questions over country codes

    for name in _CAPITALISED.findall(question):
        try:
            code = pycountry.countries.lookup(name).alpha_2
        except LookupError:
            continue
        if code in options:
            first = name.lower().split()[0]
            start = words.index(first) if first in words else 0
            return Filter(column, (code,), start, start + len(name.split()))
    return None


def _grouping(table: VisibleTable, words: list[str], filtered: set[str]) -> tuple[str, str | None] | None:
    """The column a "which X had the most" question groups by: a named column, or a date column's day."""
    head = words[1:4] if words[0] == "which" else words[2:5]
    for word in head:
        if word in _TIME_WORDS:
            temporal = next((c.name for c in table.table.columns if c.type.startswith(_TEMPORAL)), None)
            if temporal is not None:
                return temporal, _TIME_WORDS[word]
        for column in table.table.columns:
            if column.name not in filtered and column.name.lower() in (word, word.removesuffix("s")):
                return column.name, None
    return None


def _occurrences(value: str, words: list[str]) -> list[tuple[int, int]]:
    tokens = _WORD.findall(value.lower().replace("_", " "))
    if not tokens or len("".join(tokens)) < 3:
        return []  # "de", "us", "ok": too easily an ordinary word
    n = len(tokens)
    spans = []
    for i in range(len(words) - n + 1):
        window = words[i : i + n]
        if window[:-1] == tokens[:-1] and window[-1] in (tokens[-1], tokens[-1] + "s"):
            spans.append((i, i + n))
    acronym = tokens[0] if n == 1 and tokens[0].isalpha() and 3 <= len(tokens[0]) <= 5 else ""
    for i in range(len(words) - len(acronym) + 1 if acronym else 0):
        window = words[i : i + len(acronym)]
        if "".join(w[0] for w in window) == acronym and all(len(w) > 2 for w in window):
            spans.append((i, i + len(acronym)))
    return spans


def _parts(name: str, *, singular: bool = False) -> list[str]:
    parts = [p for p in name.lower().split("_") if p]
    return [p.removesuffix("s") for p in parts] if singular else parts


def _named(column: str, words: list[str], taken: set[int]) -> bool:
    parts = _parts(column)
    free = {w.removesuffix("s") for i, w in enumerate(words) if i not in taken}
    if all(p.removesuffix("s") in free for p in parts):
        return True
    # "events" names event_name / event_id: the thing a key column identifies.
    return len(parts) == 2 and parts[1] in ("name", "id") and parts[0].removesuffix("s") in free
