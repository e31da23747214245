"""Is this SQL one read-only SELECT over the caller's tables? Decided on DuckDB's own parse.

1. ``duckdb.extract_statements`` splits the text the way DuckDB will run it (comments, quoted ``;``
   and dollar-quoting included): exactly one statement, of type SELECT.
2. ``json_serialize_sql`` gives its syntax tree. Every table reference must be one of the caller's
   visible tables or a CTE in scope, unqualified (no ``catalog.schema.table``); table functions are
   limited to value generators (``range``, ``generate_series``, ``unnest``), so ``read_csv``,
   ``glob``, ``duckdb_databases()`` and friends never reach the engine. Replacement scans
   (``FROM '/etc/passwd'``) are table references with an unknown name and fail the same check.

The engine is locked down as well (``pam.data.query``); this check is what gives a clear message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from pam.errors import InvalidInput

ALLOWED_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
# Table reference kinds a plain SELECT is made of; anything else (SHOW, PIVOT, ...) is refused.
_SIMPLE_REFS = frozenset({"BASE_TABLE", "JOIN", "SUBQUERY", "EMPTY", "EXPRESSION_LIST", "TABLE_FUNCTION"})
_REFUSED = "query_refused"


@dataclass(frozen=True, slots=True)
class CheckedSelect:
    sql: str
    # Visible tables the statement reads, in order of first mention.
    tables: tuple[str, ...]


def check_select(
    sql: str, visible: Iterable[str], *, max_chars: int, parser: duckdb.DuckDBPyConnection
) -> CheckedSelect:
    text = sql.strip()
    if not text:
        raise InvalidInput("the query is empty", code=_REFUSED)
    if len(text) > max_chars:
        raise InvalidInput(f"the query is longer than {max_chars} characters", code=_REFUSED)
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise InvalidInput(f"the query could not be parsed: {_first_line(exc)}", code="query_failed") from exc
    if len(statements) != 1:
        raise InvalidInput(f"exactly one SQL statement is allowed (found {len(statements)})", code=_REFUSED)
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        kind = str(statement.type).rsplit(".", 1)[-1]
        raise InvalidInput(f"only SELECT queries are allowed (this is {kind})", code=_REFUSED)
    row = parser.execute("SELECT json_serialize_sql(?)", [statement.query]).fetchone()
    tree = json.loads(str(row[0])) if row else None
    nodes = tree.get("statements") if isinstance(tree, dict) and not tree.get("error") else None
    if not isinstance(nodes, list) or len(nodes) != 1:
        raise InvalidInput("only plain SELECT queries are allowed", code=_REFUSED)
    walker = _Walker({name.lower() for name in visible})
    walker.walk(nodes[0], frozenset())
    return CheckedSelect(statement.query.strip().rstrip(";").strip(), tuple(walker.tables))


class _Walker:
    def __init__(self, visible: set[str]) -> None:
        self._visible = visible
        self.tables: list[str] = []

    def walk(self, node: object, ctes: frozenset[str]) -> None:
        if isinstance(node, list):
            for item in node:
                self.walk(item, ctes)
            return
        if not isinstance(node, dict):
            return
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            names = {str(e.get("key", "")).lower() for e in cte_map.get("map", []) if isinstance(e, dict)}
            ctes = ctes | names
        if _is_table_ref(node):
            self._check_ref(node, ctes)
        for value in node.values():
            self.walk(value, ctes)

    def _check_ref(self, node: dict[str, object], ctes: frozenset[str]) -> None:
        kind = str(node.get("type"))
        if kind not in _SIMPLE_REFS:
            raise InvalidInput("only plain SELECT queries over the listed tables are allowed", code=_REFUSED)
        if kind == "TABLE_FUNCTION":
            function = node.get("function")
            name = str(function.get("function_name", "")) if isinstance(function, dict) else ""
            if name.lower() not in ALLOWED_TABLE_FUNCTIONS:
                raise InvalidInput(
                    f"the table function {name}() is not allowed; query the tables from list_tables",
                    code=_REFUSED,
                )
            return
        if kind != "BASE_TABLE":
            return
        table = str(node.get("table_name", ""))
        qualified = str(node.get("catalog_name", "")) or str(node.get("schema_name", "")) not in ("", "main")
        key = table.lower()
        if qualified or (key not in self._visible and key not in ctes):
            # The same answer for "exists elsewhere" and "does not exist": nothing leaks.
            raise InvalidInput(
                f"unknown table {table[:80]!r}; use list_tables to see the tables", code=_REFUSED
            )
        if key in self._visible and key not in ctes and key not in self.tables:
            self.tables.append(key)


def _is_table_ref(node: dict[str, object]) -> bool:
    return "type" in node and "sample" in node and "alias" in node and "class" not in node


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else "syntax error"
