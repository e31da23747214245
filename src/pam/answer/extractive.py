"""The extractive provider: no LLM. Search once with the question, then answer with the sentences of
the top passages that best support it, each followed by its ``[n]``.

Scoring (per sentence of the top passages): the question's content terms (stemmed, stop words out)
are weighted by IDF across the retrieved passages, so a term every passage shares counts less than the
one that singles out the answer. ``terms = 0.75 * weighted coverage + 0.25 * plain coverage``. Users
paraphrase, so words alone miss answers: the passage's semantic relevance (its ``score``, the cosine
between question and passage embeddings) and its search rank count too:
``score = terms_weight * terms + semantic_weight * cosine + rank bonus``.
When the best passage is semantically unrelated (cosine under ``min_similarity``) and no sentence
matches enough words (``min_score``), the answer says plainly that the knowledge base does not have it,
with no citations.
"""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from pam.answer.events import AnswerEvent, Status
from pam.answer.sources import Passage
from pam.answer.strategy import AnswerRequest, RunState
from pam.answer.text_terms import TermAnalyzer, sentence_spans, word_count

NOT_FOUND = "I could not find this in the knowledge base."
MAX_QUESTION_CHARS = 2_000


@dataclass(frozen=True, slots=True)
class ExtractiveConfig:
    search_k: int = 8
    # Sentences are read from this many top passages.
    passages_read: int = 5
    min_sentences: int = 2
    max_sentences: int = 4
    min_score: float = 0.35
    # Below this cosine a passage is not about the question (all-MiniLM-L6-v2: unrelated text < 0.2).
    min_similarity: float = 0.3
    terms_weight: float = 0.6
    semantic_weight: float = 0.4
    # Further sentences must score at least this share of the best one.
    relative_floor: float = 0.5
    min_words: int = 4
    max_sentence_chars: int = 400


@dataclass(frozen=True, slots=True)
class _Candidate:
    rank: int
    start: int
    text: str
    terms: frozenset[str]
    score: float
    number: int


class ExtractiveStrategy:
    def __init__(self, config: ExtractiveConfig | None = None, analyzer: TermAnalyzer | None = None) -> None:
        self._config = config or ExtractiveConfig()
        self._analyzer = analyzer or TermAnalyzer()

    @property
    def name(self) -> str:
        return "extractive"

    @property
    def model(self) -> str | None:
        return None

    @property
    def quotes_sources(self) -> bool:
        return True

    async def run(self, request: AnswerRequest, state: RunState) -> AsyncGenerator[AnswerEvent, None]:
        yield Status("searching", "Searching the knowledge base")
        state.meter.steps = 1
        query = request.question[:MAX_QUESTION_CHARS]
        if request.direct is not None and (found := await request.direct(query)) is not None:
            text, passage = found
            number = state.sources.add(passage)
            yield Status("answering", f"Queried {passage.title}")
            for event in state.citations.feed(f"{text} [{number}]"):
                yield event
            return
        passages = await request.knowledge.search(query, request.filters, self._config.search_k)
        yield Status("answering", f"Reading {len(passages)} passages")
        picked = self.pick(query, passages[: self._config.passages_read], state)
        if not picked:
            for event in state.citations.feed(NOT_FOUND):
                yield event
            return
        for index, candidate in enumerate(picked):
            separator = " " if index else ""
            for event in state.citations.feed(f"{separator}{candidate.text} [{candidate.number}]"):
                yield event

    def pick(self, question: str, passages: list[Passage], state: RunState) -> list[_Candidate]:
        config = self._config
        query = self._analyzer.term_set(question)
        if not query or not passages:
            return []
        passage_terms = [self._analyzer.term_set(p.content) for p in passages]
        idf = {t: math.log(1 + len(passages) / (1 + sum(t in pt for pt in passage_terms))) for t in query}
        total = sum(idf.values())
        candidates: list[_Candidate] = []
        for rank, passage in enumerate(passages):
            for start, end in sentence_spans(passage.content):
                text = " ".join(passage.content[start:end].split()).lstrip("#>*-• ").strip()
                if word_count(text) < config.min_words or len(text) > config.max_sentence_chars:
                    continue
                terms = self._analyzer.term_set(text)
                matched = query & terms
                semantic = passage.score if 0.0 <= passage.score <= 1.0 else 0.0
                if not matched and semantic < config.min_similarity:
                    continue
                weighted = sum(idf[t] for t in matched) / total
                coverage = len(matched) / len(query)
                lexical = 0.75 * weighted + 0.25 * coverage
                score = config.terms_weight * lexical + config.semantic_weight * semantic + 0.1 / (1 + rank)
                # Evidence: enough of the question's words, or a passage about the question.
                if lexical >= config.min_score or semantic >= config.min_similarity:
                    candidates.append(_Candidate(rank, start, text, terms, score, 0))
        relevant = sorted(candidates, key=lambda c: -c.score)
        if not relevant:
            return []
        floor = relevant[0].score * config.relative_floor
        chosen: list[_Candidate] = []
        for candidate in relevant:
            if len(chosen) >= config.max_sentences:
                break
            if len(chosen) >= config.min_sentences and candidate.score < floor:
                break
            if any(_similar(candidate.terms, other.terms) for other in chosen):
                continue
            chosen.append(candidate)
        chosen.sort(key=lambda c: (c.rank, c.start))
        return [
            _Candidate(c.rank, c.start, c.text, c.terms, c.score, state.sources.add(passages[c.rank]))
            for c in chosen
        ]


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    """Near-duplicates (overlapping chunks repeat sentences) add nothing to an answer."""
    return len(a & b) / max(1, len(a | b)) >= 0.8
