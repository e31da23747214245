"""Query expansion from the glossary: a query that names a term or one of its aliases also searches
for the term's other names ("DAU" finds passages that only say "daily active users").

The expansion is appended to the query text before both candidate searches (keyword and vector) and
before the cache key is made, so both index engines (embedded and PostgreSQL) see the same query and
a glossary change can never serve a stale cached result: the expanded text is the key.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.store.glossary import names_of, term_key, terms_named

MAX_QUERY_WORDS = 64
MAX_NGRAM = 5
MAX_EXTRA_NAMES = 12
_WORD = re.compile(r"[^\W_]+(?:[-/.'][^\W_]+)*")


def query_keys(text: str) -> list[str]:
    """Every run of 1 to 5 words of the query, normalised like glossary names."""
    words = [w.casefold() for w in _WORD.findall(text)][:MAX_QUERY_WORDS]
    keys = {" ".join(words[i : i + n]) for n in range(1, MAX_NGRAM + 1) for i in range(len(words) - n + 1)}
    return sorted(keys)


def expand_with(text: str, names: Sequence[str]) -> str:
    """``text`` plus the names it does not already contain, in parentheses."""
    present = term_key(text)
    extra = [n for n in dict.fromkeys(names) if term_key(n) not in present][:MAX_EXTRA_NAMES]
    return f"{text} ({', '.join(extra)})" if extra else text


class GlossaryExpander:
    """Implements ``pam.search.service.QueryExpander`` over the glossary tables."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def expand(self, text: str, project_ids: Sequence[uuid.UUID]) -> str:
        keys = query_keys(text)
        if not keys or not project_ids:
            return text
        async with self._sessions() as session:
            terms = await terms_named(session, project_ids, keys)
        return expand_with(text, [name for term in terms for name in names_of(term)])
