"""Questions about what the knowledge base never mentions ("What is the parental leave policy?" asked of
a data team's handbook): when at least two of the question's content words, and a third of them or more,
occur in no passage the caller can see, no passage can answer it, however close the rest of it reads.

A word counts as unknown only when no retrieved passage has it, a search for it alone finds no passage
that has it either, and it is not a glossary term or alias (aliases widen searches, so a question may use
a word that no document does). The word after "how" is part of the question form ("how soon", "how
big"), and so is a negated verb ("doesn't"). On the two benchmark question sets (bench/answer_corpora.py: the handbook and the
PostgreSQL manual) no answerable question had more than one unknown word (an adjective or adverb: "low",
"soon", "supposed"), while 7 of the 27 questions without an answer had two or more; the rest of those are
caught by the names and numbers they use (``anchors``) or by their low support.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pam.answer.sources import KnowledgeTools, Passage, ToolFilters
from pam.answer.text_terms import TermAnalyzer

MIN_UNKNOWN = 2
MIN_SHARE = 1 / 3
# Searches made at most per question (only questions that may be declined make any).
MAX_CHECKED = 4
SEARCH_K = 5
_WORD = re.compile(r"\w+(?:['’]\w+)?")
_NEGATED_VERB = re.compile(r"n['’]t$", re.IGNORECASE)  # "doesn't": question form, not topic


def content_words(question: str, analyzer: TermAnalyzer) -> dict[str, str]:
    """The question's content terms (stemmed, as the keyword index has them) -> the word as written."""
    words: dict[str, str] = {}
    previous = ""
    for word in _WORD.findall(question):
        if previous.casefold() != "how" and not _NEGATED_VERB.search(word):
            for term in analyzer.terms(re.split(r"['’]", word)[0]):
                words.setdefault(term, word)
        previous = word
    return words


def _enough(unknown: int, words: int) -> bool:
    return unknown >= MIN_UNKNOWN and unknown >= MIN_SHARE * words


async def unknown_words(
    question: str,
    passages: Sequence[Passage],
    knowledge: KnowledgeTools,
    filters: ToolFilters,
    analyzer: TermAnalyzer,
) -> list[str]:
    """The question's words the knowledge base never mentions, when there are enough of them to decline
    (empty otherwise)."""
    words = content_words(question, analyzer)
    seen: set[str] = set()
    for passage in passages:
        seen |= analyzer.term_set(f"{passage.title} {passage.section_path} {passage.content}")
    absent = [term for term in words if term not in seen]
    if not _enough(len(absent), len(words)):
        return []
    unknown: list[str] = []
    for term in absent[:MAX_CHECKED]:
        word = words[term]
        if await knowledge.lookup_term(word):
            continue
        found = await knowledge.search(word, filters, SEARCH_K)
        if any(term in analyzer.term_set(f"{p.title} {p.section_path} {p.content}") for p in found):
            continue
        unknown.append(word)
    return unknown if _enough(len(unknown), len(words)) else []
