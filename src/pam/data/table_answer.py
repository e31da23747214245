"""Answering a simple question over a table without an LLM: the extractive provider's table path.

``table_plan`` reads the question (which table, which rows, what to compute); this module runs the
one SELECT the plan needs through the safe query runner and words the result, citing the table with
its SQL. Conservative on purpose: when the question does not clearly fit exactly one table, or the
result does not answer it, it returns None and the passage answer runs as before.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pam.data.catalog import DataCatalog
from pam.data.models import QueryResult, VisibleTable
from pam.data.table_plan import Filter, Plan, plan_table, words_of
from pam.errors import PamError, Unavailable
from pam.formats.identifiers import quote_ident
from pam.formats.result_text import format_value

MAX_LISTED = 20
_LIST_WORDS = frozenset({"which"})


@dataclass(frozen=True, slots=True)
class TableAnswer:
    """Answer text (without its marker) and what to cite: the table, quoting the SQL."""

    text: str
    sql: str
    table: VisibleTable
    result: QueryResult


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
        words = words_of(question)
        if not words or len(words) > 60:
            return None
        plans = [
            p
            for p in (
                plan_table(v, values, question, words)
                for v, values in self._catalog.text_values(self._projects)
            )
            if p
        ]
        if not plans:
            return None
        best = max(p.weight for p in plans)
        top = [p for p in plans if p.weight == best]
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


def _where(filters: Sequence[Filter]) -> str:
    parts = []
    for f in filters:
        column = quote_ident(f.column)
        if len(f.values) == 1:
            parts.append(f"{column} = {_literal(f.values[0])}")
        else:
            parts.append(f"{column} IN ({', '.join(_literal(v) for v in f.values)})")
    return " WHERE " + " AND ".join(parts) if parts else ""


def _sql(plan: Plan) -> str:
    table = quote_ident(plan.table.name)
    single = [f for f in plan.filters if len(f.values) == 1]
    grouped = [f for f in plan.filters if len(f.values) > 1]
    if plan.intent == "change":
        pair = grouped[0]
        column = quote_ident(plan.wanted[0])
        key = quote_ident(pair.column)
        a, b = (_literal(v) for v in pair.values)
        return (
            f"SELECT max({column}) FILTER (WHERE {key} = {a}) AS first_value, "
            f"max({column}) FILTER (WHERE {key} = {b}) AS second_value FROM {table}{_where(single)}"
        )
    if plan.intent == "aggregate":
        column = quote_ident(plan.wanted[0])
        alias = quote_ident(f"{plan.aggregate}_{plan.wanted[0]}")
        return f"SELECT {plan.aggregate}({column}) AS {alias}, count(*) AS row_count FROM {table}{_where(plan.filters)}"
    if plan.intent == "count":
        if grouped:
            key = quote_ident(grouped[0].column)
            return (
                f"SELECT {key}, count(*) AS row_count FROM {table}{_where(plan.filters)} "
                f"GROUP BY {key} ORDER BY row_count DESC, {key} LIMIT {MAX_LISTED}"
            )
        return f"SELECT count(*) AS row_count FROM {table}{_where(plan.filters)}"
    if plan.intent == "top":
        assert plan.group is not None
        key = quote_ident(plan.group)
        if plan.temporal is not None:
            key = f"CAST(date_trunc('{plan.temporal}', {key}) AS DATE)"
        return (
            f"SELECT {key} AS {quote_ident(plan.temporal or plan.group)}, count(*) AS row_count "
            f"FROM {table}{_where(plan.filters)} GROUP BY 1 ORDER BY row_count {plan.order}, 1 LIMIT 3"
        )
    filtered = {f.column for f in plan.filters}
    rest = [c.name for c in plan.table.table.columns if c.name not in filtered and c.name not in plan.wanted]
    columns = ", ".join(quote_ident(c) for c in (*plan.wanted, *rest))
    return f"SELECT {columns} FROM {table}{_where(plan.filters)} LIMIT {MAX_LISTED + 1}"


def _text(plan: Plan, result: QueryResult, words: list[str]) -> str | None:
    condition = " and ".join(f"{f.column} is {f.values[0]}" for f in plan.filters if len(f.values) == 1)
    where = f"In table {plan.table.name}" + (f", where {condition}" if condition else "")
    rows = result.rows
    if plan.intent == "change":
        pair = next(f for f in plan.filters if len(f.values) == 2)
        if not rows or rows[0][0] is None or rows[0][1] is None:
            return None
        first, second = rows[0][0], rows[0][1]
        if not isinstance(first, int | float) or not isinstance(second, int | float):
            return None
        delta = second - first
        sign = "+" if delta >= 0 else ""
        return (
            f"{where}, {plan.wanted[0]} goes from {format_value(first)} ({pair.column} {pair.values[0]}) "
            f"to {format_value(second)} ({pair.values[1]}): a change of {sign}{format_value(delta)}."
        )
    if plan.intent == "aggregate":
        if not rows or rows[0][0] is None:
            return None
        return f"{where}, the {plan.aggregate} of {plan.wanted[0]} is {format_value(rows[0][0])} (over {rows[0][1]} rows)."
    if plan.intent == "count":
        if len(result.columns) == 1:
            return f"{where}, there are {format_value(rows[0][0])} rows." if rows else None
        grouped = next(f for f in plan.filters if len(f.values) > 1)
        if not rows:
            return f"{where}, there are no rows with {grouped.column} in {', '.join(grouped.values)}."
        counts = "; ".join(f"{format_value(r[0])}: {format_value(r[1])}" for r in rows)
        return f"{where}, the rows by {grouped.column} are {counts}."
    if plan.intent == "top":
        if not rows:
            return None
        label = plan.temporal or plan.group
        extreme = "most" if plan.order == "DESC" else "fewest"
        return f"{where}, the {label} with the {extreme} rows is {format_value(rows[0][0])} ({format_value(rows[0][1])} rows)."
    if len(rows) == 1:
        row = dict(zip(result.columns, rows[0], strict=True))
        main = ", ".join(f"{c} is {format_value(row[c])}" for c in plan.wanted)
        extra = "; ".join(f"{c}: {format_value(v)}" for c, v in row.items() if c not in plan.wanted)
        return f"{where}, {main}" + (f" ({extra})." if extra else ".")
    if 2 <= len(rows) <= MAX_LISTED and words[0] in _LIST_WORDS and len(plan.wanted) == 1:
        listed = ", ".join(dict.fromkeys(format_value(r[0]) for r in rows))
        return f"{where}, the {plan.wanted[0]} values are: {listed}."
    return None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
