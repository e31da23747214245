"""Text analysis for the PostgreSQL index, done by PostgreSQL itself, shaped like the tantivy analyzer.

`to_tsvector('english', ...)` alone tokenises differently from the embedded index (pam.search.analyzer):
its parser keeps "e.coli", "x.org/a" and "3.5" whole and reads "IL-6" as "il" plus the signed integer
"-6", which is common in scientific and business text. So the text is first cut the way tantivy's
simple tokenizer cuts it: every run of non-alphanumeric characters becomes one space (and runs longer
than 40 characters, hashes or base64, are dropped as tantivy's `remove_long` does). What remains,
lowercasing, English stop words and the Snowball English stemmer, is the same in both engines; the
differences left are the stop word list (PostgreSQL's is longer) and accent folding (PostgreSQL's
`unaccent` is an optional extension, so it is not used).

The same expression analyses segments when they are indexed and queries when they are searched, so
what a query can match is exactly what was indexed. A query is never parsed as tsquery syntax: its
lexemes are read from `to_tsvector` and quoted one by one (see `QUERY_CTE`).

`ANALYZER_VERSION` is stored with the index: changing anything here must change it, and every
PostgresIndex then rebuilds the search tables from the database on start.
"""

from __future__ import annotations

from pam.search.analyzer import MAX_QUERY_TERMS, MAX_TOKEN_CHARS

TS_CONFIG = "english"
ANALYZER_VERSION = f"{TS_CONFIG}-alnum-{MAX_TOKEN_CHARS}-v1"


def analyzed(expr: str) -> str:
    """SQL for the tsvector of the text SQL expression ``expr`` (a trusted expression, never user text).

    For SQLAlchemy ``text()``: its colons are escaped so ``[:alnum:]`` is not read as a bind parameter.
    """
    return (
        f"to_tsvector('{TS_CONFIG}', regexp_replace(regexp_replace({expr}, "
        f"'[[\\:alnum\\:]]{{{MAX_TOKEN_CHARS + 1},}}', ' ', 'g'), '[^[\\:alnum\\:]]+', ' ', 'g'))"
    )


def _quoted(lexeme: str) -> str:
    # tsquery input syntax: a lexeme in single quotes, with quotes doubled and backslashes escaped,
    # is read literally whatever characters it holds (no operators, weights or prefixes).
    return f"'''' || replace(replace({lexeme}, '\\', '\\\\'), '''', '''''') || ''''"


# The query's distinct lexemes (first occurrences first, at most MAX_QUERY_TERMS) as an array, and
# the OR of them as a tsquery; both NULL when the query has no lexeme (only stop words, punctuation).
# Takes the bind parameter :query.
QUERY_CTE = f"""
query_lexemes AS (
    SELECT u.lexeme, u.positions[1] AS first_position
    FROM unnest({analyzed("CAST(:query AS text)")}) AS u
    ORDER BY first_position, u.lexeme
    LIMIT {MAX_QUERY_TERMS}
),
query_terms AS (
    SELECT array_agg(lexeme) AS lexemes,
           string_agg({_quoted("lexeme")}, ' | ')::tsquery AS tsq
    FROM query_lexemes
)"""
