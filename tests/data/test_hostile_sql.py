"""Hostile SQL against query_data: each is refused or stopped with a clear error, and changes nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pytest

from pam.data.models import QueryLimits
from pam.data.query import lock_down, open_readonly
from pam.errors import InvalidInput
from tests.data.conftest import Loaded

SECRET = Path(tempfile.gettempdir()) / "pam-hostile-sql-should-not-exist"

HOSTILE = {
    "copy_to_file": (f"COPY kpi_targets TO '{SECRET}.csv'", "only SELECT"),
    "copy_select": (f"COPY (SELECT * FROM kpi_targets) TO '{SECRET}.csv' (FORMAT csv)", "only SELECT"),
    "attach": (f"ATTACH '{SECRET}.duckdb' AS x", "only SELECT"),
    "install": ("INSTALL httpfs", "only SELECT"),
    "load": ("LOAD httpfs", "only SELECT"),
    "set": ("SET enable_external_access = true", "only SELECT"),
    "reset": ("RESET lock_configuration", "only SELECT"),
    "pragma": ("PRAGMA database_list", "only SELECT"),
    "create": ("CREATE TABLE stolen AS SELECT * FROM kpi_targets", "only SELECT"),
    "drop": ("DROP TABLE kpi_targets", "only SELECT"),
    "delete": ("DELETE FROM kpi_targets", "only SELECT"),
    "export": (f"EXPORT DATABASE '{SECRET}'", "only SELECT"),
    "read_csv": ("SELECT * FROM read_csv('/etc/passwd')", "read_csv() is not allowed"),
    "read_csv_auto": ("SELECT * FROM read_csv_auto('/etc/passwd')", "not allowed"),
    "read_text": ("SELECT * FROM read_text('/etc/passwd')", "not allowed"),
    "read_blob": ("SELECT * FROM read_blob('/etc/passwd')", "not allowed"),
    "read_parquet": ("SELECT * FROM read_parquet('/etc/passwd')", "not allowed"),
    "read_json": ("SELECT * FROM read_json('/etc/passwd')", "not allowed"),
    "glob": ("SELECT * FROM glob('/etc/*')", "not allowed"),
    "replacement_scan": ("SELECT * FROM '/etc/passwd'", "unknown table"),
    "in_subquery": (
        "SELECT * FROM kpi_targets WHERE metric IN (SELECT * FROM read_text('/etc/passwd'))",
        "not allowed",
    ),
    "in_cte": ("WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM x", "not allowed"),
    "duckdb_databases": ("SELECT path FROM duckdb_databases()", "not allowed"),
    "pragma_view": ("SELECT * FROM pragma_database_list", "unknown table"),
    "query_function": ("SELECT * FROM query('SELECT 1')", "not allowed"),
    "qualified_attach": ("SELECT * FROM s0.main._pam_tables", "unknown table"),
    "registry": ("SELECT * FROM _pam_tables", "unknown table"),
    "two_statements": ("SELECT 1; SELECT 2", "exactly one SQL statement"),
    "select_then_copy": (f"SELECT 1; COPY kpi_targets TO '{SECRET}.csv'", "exactly one SQL statement"),
    "after_line_comment": (f"SELECT 1 --\n; COPY kpi_targets TO '{SECRET}.csv'", "exactly one SQL statement"),
    "after_block_comment": (f"SELECT 1 /* x */; ATTACH '{SECRET}.duckdb'", "exactly one SQL statement"),
    "comment_first": (f"/* SELECT */ COPY kpi_targets TO '{SECRET}.csv'", "only SELECT"),
    "string_closing_trick": (
        f"SELECT 'a'';'; COPY kpi_targets TO '{SECRET}.csv'",
        "exactly one SQL statement",
    ),
    "dollar_quote_trick": ("SELECT $$;$$; INSTALL httpfs", "exactly one SQL statement"),
    "cte_shadow_trick": (
        "SELECT * FROM (WITH pragma_database_list AS (SELECT 1) SELECT 1), pragma_database_list",
        "unknown table",
    ),
    "other_project": ("SELECT * FROM salaries", "unknown table"),
    "other_project_qualified": ("SELECT * FROM s1.main.salaries", "unknown table"),
    "empty": ("  ", "empty"),
    "only_comment": ("-- nothing", "exactly one"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_sql_is_refused_and_has_no_effect(loaded: Loaded, name: str) -> None:
    sql, message = HOSTILE[name]
    before = [(v.name, v.table.row_count) for v in loaded.catalog.visible_tables([loaded.project_a])]
    with pytest.raises(InvalidInput) as caught:
        loaded.catalog.query(sql, [loaded.project_a])
    assert message in caught.value.message
    assert caught.value.code in ("query_refused", "query_failed")
    assert "/tmp" not in caught.value.message.replace(str(SECRET), "") or "attach" in name
    assert str(loaded.catalog.root) not in caught.value.message
    assert not list(SECRET.parent.glob(SECRET.name + "*"))
    after = [(v.name, v.table.row_count) for v in loaded.catalog.visible_tables([loaded.project_a])]
    assert after == before


def test_a_cross_join_of_10_to_the_12_rows_is_stopped_by_the_time_limit(loaded: Loaded) -> None:
    sql = "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = -1"
    with pytest.raises(InvalidInput) as caught:
        loaded.catalog.query(sql, [loaded.project_a], QueryLimits(timeout_s=0.5))
    assert caught.value.code == "query_timeout"
    assert "stopped" in caught.value.message


def test_memory_hungry_queries_hit_the_memory_limit(loaded: Loaded) -> None:
    sql = "SELECT list(range || repeat('x', 100)) FROM range(5000000)"
    with pytest.raises(InvalidInput) as caught:
        loaded.catalog.query(sql, [loaded.project_a], QueryLimits(memory_limit="64MB", timeout_s=20))
    assert caught.value.code == "query_too_large"


def test_rows_are_limited_and_flagged(loaded: Loaded) -> None:
    result = loaded.catalog.query("SELECT * FROM events", [loaded.project_a], QueryLimits(max_rows=10))
    assert result.row_count == 10
    assert result.truncated


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM glob('/*')",
        f"COPY (SELECT 1) TO '{SECRET}.csv'",
        f"ATTACH '{SECRET}.duckdb' AS x",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET threads = 8",
        "RESET memory_limit",
    ],
)
def test_the_locked_engine_refuses_even_without_the_check(loaded: Loaded, sql: str) -> None:
    """Defense in depth: the connection queries run in refuses these on its own."""
    projects = [(loaded.project_a, loaded.catalog.path_of(loaded.project_a))]
    con = open_readonly(projects, QueryLimits())
    try:
        lock_down(con)
        with pytest.raises(duckdb.Error):
            con.execute(sql)
        assert con.execute("SELECT current_setting('enable_external_access')").fetchone() == (False,)
    finally:
        con.close()
    assert not list(SECRET.parent.glob(SECRET.name + "*"))


def test_other_projects_tables_are_invisible_but_their_owner_sees_them(loaded: Loaded) -> None:
    names_a = {v.name for v in loaded.catalog.visible_tables([loaded.project_a])}
    assert "salaries" not in names_a
    result = loaded.catalog.query("SELECT max(salary) FROM salaries", [loaded.project_b])
    assert result.rows == ((123456,),)


def test_string_tricks_inside_one_select_stay_data(loaded: Loaded) -> None:
    result = loaded.catalog.query("SELECT 'x''; DROP TABLE kpi_targets; --' AS s /* ; */", [loaded.project_a])
    assert result.rows == (("x'; DROP TABLE kpi_targets; --",),)
    assert loaded.catalog.query("SELECT count(*) FROM kpi_targets", [loaded.project_a]).rows == ((36,),)
