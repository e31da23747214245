"""Answering a simple question over a table without an LLM: the extractive provider's table path.

Conservative on purpose: it answers only when values of a table's text columns appear in the
question (as words, e.g. ``2026-Q3``, ``activation rate`` for ``activation_rate``, or as initials,
``weekly active users`` for ``wau``), each matched column has one value, exactly one table matches
best, and the question names the column it wants. Then it runs one SELECT through the safe query
runner and answers with:

- a **lookup** when the filters leave exactly one row (all its other columns are shown),
- a **list** of the named column when they leave 2-20 rows and the question asks "which"/"what",
- an **aggregate** (avg/sum/min/max of a named numeric column) when the question asks for one.

Anything else returns None and the passage answer runs as before.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pam.data.catalog import DataCatalog
from pam.data.models import QueryResult, VisibleTable
from pam.errors import PamError, Unavailable
from pam.formats.identifiers import quote_ident
from pam.formats.result_text import format_value

MAX_LISTED = 20
_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
_AGGREGATES = {
    "average": "avg", "mean": "avg", "total": "sum", "sum": "sum",
    "highest": "max", "maximum": "max", "largest": "max", "lowest": "min", "minimum": "min", "smallest": "min",
}  # fmt: skip
_LIST_WORDS = frozenset({"which"})
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "UBIGINT")


@dataclass(frozen=True, slots=True)
class TableAnswer:
    """Answer text (without its marker) and what to cite: the table, quoting the SQL."""

    text: str
    sql: str
    table: VisibleTable
    result: QueryResult


@dataclass(frozen=True, slots=True)
class _Filter:
    column: str
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Plan:
    table: VisibleTable
    filters: tuple[_Filter, ...]
    wanted: tuple[str, ...]  # columns the question names (not filtered on)
    aggregate: str | None


class TableAnswerer:
    def __init__(self, catalog: DataCatalog, project_ids: Sequence[uuid.UUID]) -> None:
        self._catalog = catalog
        self._projects = tuple(sorted(set(project_ids)))

    async def answer(self, question: str) -> TableAnswer | None:
        """A direct answer from one table, or None (the question then goes to the text answer)."""
        try:
            return await asyncio.to_thread(self.answer_now, question)
        except Unavailable:
            # Another process is writing the project's tables this instant: answer from text instead
            # of failing the question.
            return None

    def answer_now(self, question: str) -> TableAnswer | None:
        words = _WORD.findall(question.lower())
        if not words or len(words) > 60:
            return None
        plans = [
            p
            for p in (_plan(v, values, words) for v, values in self._catalog.text_values(self._projects))
            if p
        ]
        if not plans:
            return None
        best = max(len(p.filters) for p in plans)
        top = [p for p in plans if len(p.filters) == best]
        if len(top) != 1:
            return None  # two tables match as well as each other: not clear enough
        plan = top[0]
        sql = _sql(plan)
        try:
            result = self._catalog.query(sql, self._projects)
        except PamError:
            return None
        text = _text(plan, result, words)
        if text is None:
            return None
        return TableAnswer(text, result.sql, plan.table, result)


def _plan(table: VisibleTable, values: dict[str, tuple[str, ...]], words: list[str]) -> _Plan | None:
    candidates: list[_Filter] = []
    for column, options in values.items():
        for value in options:
            candidates.extend(_Filter(column, value, s, e) for s, e in _occurrences(value, words))
    accepted: list[_Filter] = []
    taken: set[int] = set()
    for f in sorted(candidates, key=lambda f: -(f.end - f.start)):
        if taken & set(range(f.start, f.end)):
            continue
        if all((a.column, a.value) != (f.column, f.value) for a in accepted):
            accepted.append(f)
        taken |= set(range(f.start, f.end))
    by_column: dict[str, set[str]] = {}
    for f in accepted:
        by_column.setdefault(f.column, set()).add(f.value)
    if not accepted or any(len(v) > 1 for v in by_column.values()):
        return None
    filtered = {f.column for f in accepted}
    wanted = tuple(
        c.name for c in table.table.columns if c.name not in filtered and _named(c.name, words, taken)
    )
    aggregate = next((_AGGREGATES[w] for w in words if w in _AGGREGATES), None)
    if aggregate is not None:
        numeric = [c.name for c in table.table.columns if c.name in wanted and c.type.startswith(_NUMERIC)]
        if len(numeric) != 1:
            return None
        wanted = (numeric[0],)
    if not wanted:
        return None
    return _Plan(table, tuple(sorted(accepted, key=lambda f: f.start)), wanted, aggregate)


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


def _named(column: str, words: list[str], taken: set[int]) -> bool:
    parts = [p for p in column.lower().split("_") if p]
    free = {w.removesuffix("s") for i, w in enumerate(words) if i not in taken}
    if all(p.removesuffix("s") in free for p in parts):
        return True
    # "events" names event_name / event_id: the thing a key column identifies.
    return len(parts) == 2 and parts[1] in ("name", "id") and parts[0].removesuffix("s") in free


def _sql(plan: _Plan) -> str:
    where = " AND ".join(f"{quote_ident(f.column)} = {_literal(f.value)}" for f in plan.filters)
    table = quote_ident(plan.table.name)
    if plan.aggregate is not None:
        column = quote_ident(plan.wanted[0])
        alias = quote_ident(f"{plan.aggregate}_{plan.wanted[0]}")
        return (
            f"SELECT {plan.aggregate}({column}) AS {alias}, count(*) AS row_count FROM {table} WHERE {where}"
        )
    filtered = {f.column for f in plan.filters}
    rest = [c.name for c in plan.table.table.columns if c.name not in filtered and c.name not in plan.wanted]
    columns = ", ".join(quote_ident(c) for c in (*plan.wanted, *rest))
    return f"SELECT {columns} FROM {table} WHERE {where} LIMIT {MAX_LISTED + 1}"


def _text(plan: _Plan, result: QueryResult, words: list[str]) -> str | None:
    condition = " and ".join(f"{f.column} is {f.value}" for f in plan.filters)
    where = f"In table {plan.table.name}, where {condition}"
    if plan.aggregate is not None:
        if not result.rows or result.rows[0][0] is None:
            return None
        value, count = result.rows[0][0], result.rows[0][1]
        return (
            f"{where}, the {plan.aggregate} of {plan.wanted[0]} is {format_value(value)} (over {count} rows)."
        )
    if len(result.rows) == 1:
        row = dict(zip(result.columns, result.rows[0], strict=True))
        main = ", ".join(f"{c} is {format_value(row[c])}" for c in plan.wanted)
        extra = "; ".join(f"{c}: {format_value(v)}" for c, v in row.items() if c not in plan.wanted)
        return f"{where}, {main}" + (f" ({extra})." if extra else ".")
    if 2 <= len(result.rows) <= MAX_LISTED and words[0] in _LIST_WORDS and len(plan.wanted) == 1:
        listed = ", ".join(dict.fromkeys(format_value(r[0]) for r in result.rows))
        return f"{where}, the {plan.wanted[0]} values are: {listed}."
    return None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
