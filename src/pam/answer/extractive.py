"""The extractive provider: no LLM. Search once, then answer with the units (sentences, lists with their
lead-in, table rows) of the top passages that best answer the question, each followed by its ``[n]``.

1. A follow-up is made standalone from the stored conversation (``followup``); a table question is
   answered from the data first (``request.direct``).
2. The top passages are cut into units (``answer_units``), which are scored (``unit_scoring``) by
   their own meaning (each candidate is embedded with the packaged model), the question's terms, how
   their form suits the kind of question (``question_kind``) and their passage's relevance.
3. The answer leads with the best unit, then adds the few that score almost as well.
4. It declines ("not in the knowledge base", no citations) when nothing answers: the best unit is
   semantically unrelated and shares too few of the question's terms, or the question names
   something (a number, a product, an acronym) that none of the retrieved passages mention.
   The thresholds were calibrated on questions that have no answer (bench/calibrate_decline.py).
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from pam.answer.answer_units import Unit, passage_units, trailing_lead
from pam.answer.events import AnswerEvent, Status
from pam.answer.followup import standalone_question
from pam.answer.question_kind import QuestionKind, classify, question_parts
from pam.answer.sources import Passage
from pam.answer.strategy import AnswerRequest, RunState
from pam.answer.text_terms import TermAnalyzer
from pam.answer.unit_scoring import Weights, form_fit, passage_idf, penalty, term_share

NOT_FOUND = "I could not find this in the knowledge base."
# About 30 model tokens: the model's cost grows with the longest text of the batch.
EMBED_CHARS = 120
UNIT_CACHE = 8_192
MAX_QUESTION_CHARS = 2_000


class SentenceEncoder(Protocol):
    """What the extractive answerer needs of an embedder (the packaged MiniLM is one)."""

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...

    def embed_query(self, text: str) -> npt.NDArray[np.float32]: ...


@dataclass(frozen=True, slots=True)
class ExtractiveConfig:
    search_k: int = 8
    # Units are read from this many top passages.
    passages_read: int = 6
    # At most this many units are embedded per question (the best by a cheap first score).
    embed_units: int = 10
    max_units: int = 3
    max_answer_chars: int = 900
    # Further units must score at least this share of the best one.
    relative_floor: float = 0.85
    # Decline below both: the best unit's cosine, and its share of the question's terms.
    min_similarity: float = 0.42
    min_terms: float = 0.5
    weights: Weights = field(default_factory=Weights)


@dataclass(frozen=True, slots=True)
class _Scored:
    passage: int
    unit: Unit
    score: float
    semantic: float
    terms: float


class ExtractiveStrategy:
    def __init__(
        self,
        config: ExtractiveConfig | None = None,
        analyzer: TermAnalyzer | None = None,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self._config = config or ExtractiveConfig()
        self._analyzer = analyzer or TermAnalyzer()
        self._encoder = encoder
        # Unit text -> vector, oldest first: popular passages are asked about again and again.
        self._unit_vectors: dict[str, npt.NDArray[np.float32]] = {}
        self._cache_lock = threading.Lock()

    @property
    def name(self) -> str:
        return "extractive"

    @property
    def model(self) -> str | None:
        return None

    async def run(self, request: AnswerRequest, state: RunState) -> AsyncGenerator[AnswerEvent, None]:
        yield Status("searching", "Searching the knowledge base")
        state.meter.steps = 1
        query = standalone_question(request.question[:MAX_QUESTION_CHARS], request.history)
        if request.direct is not None and (found := await request.direct(query)) is not None:
            text, passage = found
            number = state.sources.add(passage)
            yield Status("answering", f"Queried {passage.title}")
            for event in state.citations.feed(f"{text} [{number}]"):
                yield event
            return
        passages = await request.knowledge.search(query, request.filters, self._config.search_k)
        yield Status("answering", f"Reading {len(passages)} passages")
        if await self._names_the_unknown(query, passages, request):
            picked = []
        else:
            picked = await self.pick(query, passages[: self._config.passages_read])
        if not picked:
            for event in state.citations.feed(NOT_FOUND):
                yield event
            return
        for index, chosen in enumerate(picked):
            number = state.sources.add(passages[chosen.passage])
            for event in state.citations.feed(_render(chosen.unit, number, first=index == 0)):
                yield event

    async def _names_the_unknown(
        self, question: str, passages: list[Passage], request: AnswerRequest
    ) -> bool:
        """The question names something (a number, a product, an acronym) that the knowledge base never
        mentions: none of the passages found has it, and a search for the name alone finds no passage
        that has it either. Then no passage can answer, however similar it reads."""
        for anchor in _missing_anchors(question, passages)[:3]:
            found = await request.knowledge.search(anchor, request.filters, 5)
            if not any(_mentions(f"{p.title} {p.section_path} {p.content}", anchor) for p in found):
                return True
        return False

    async def pick(self, question: str, passages: list[Passage]) -> list[_Scored]:
        config = self._config
        query = self._analyzer.term_set(question)
        if not query or not passages:
            return []
        parts = question_parts(question)
        kinds = [classify(part) for part in parts]
        passage_terms = [self._analyzer.term_set(f"{p.section_path} {p.content}") for p in passages]
        idf = passage_idf(query, passage_terms)
        candidates = self._candidates(query, idf, passages)
        if not candidates:
            return []
        similarities = await self._similarities([question, *parts[1:]], passages, candidates)
        per_part: list[list[_Scored]] = []
        for index, kind in enumerate(kinds):
            column = similarities[min(index, len(similarities) - 1)]
            part_scores = [
                self._final(c, sim, kind, passages[c.passage].score)
                for c, sim in zip(candidates, column, strict=True)
            ]
            part_scores.sort(key=lambda s: -s.score)
            per_part.append(part_scores)
        best = per_part[0][0]
        if best.semantic < config.min_similarity and best.terms < config.min_terms:
            return []
        return self._compose(per_part)

    def _candidates(
        self, query: frozenset[str], idf: dict[str, float], passages: list[Passage]
    ) -> list[_Scored]:
        """Every unit with a cheap first score; the best few of each passage, then the best overall."""
        w = self._config.weights
        by_passage: list[list[_Scored]] = []
        for rank, passage in enumerate(passages):
            heading = self._analyzer.term_set(f"{passage.title} {passage.section_path}")
            cosine = passage.score if 0.0 <= passage.score <= 1.0 else 0.0
            scored = []
            for unit in passage_units(passage.content, _lead_before(passage, passages)):
                terms = term_share(query, idf, self._analyzer.term_set(unit.shown), heading)
                first = w.terms * terms + w.passage * cosine - 0.2 * penalty(unit) + 0.02 / (1 + rank)
                scored.append(_Scored(rank, unit, first, cosine, terms))
            scored.sort(key=lambda s: -s.score)
            by_passage.append(scored)
        chosen = [s for scored in by_passage for s in scored[:2]]
        rest = sorted((s for scored in by_passage for s in scored[2:]), key=lambda s: -s.score)
        return (chosen + rest)[: self._config.embed_units]

    def _final(self, rough: _Scored, semantic: float, kind: QuestionKind, passage_score: float) -> _Scored:
        w = self._config.weights
        cosine = passage_score if 0.0 <= passage_score <= 1.0 else 0.0
        fit = form_fit(rough.unit, kind)
        score = (
            w.semantic * semantic
            + w.terms * rough.terms
            + w.fit * fit
            + w.passage * cosine
            + 0.02 / (1 + rough.passage)
            - 0.25 * penalty(rough.unit)
        )
        return _Scored(rough.passage, rough.unit, score, semantic, rough.terms)

    async def _similarities(
        self, questions: list[str], passages: list[Passage], candidates: list[_Scored]
    ) -> list[list[float]]:
        """Per question (part): the cosine of each candidate unit, embedded on its own."""
        if self._encoder is None:
            # No model: the passage's own relevance stands in for each of its units.
            return [[s.semantic for s in candidates]]
        encoder = self._encoder
        texts = [_embedding_text(passages[c.passage], c.unit) for c in candidates]
        cache = self._unit_vectors

        def encode() -> list[list[float]]:
            with self._cache_lock:
                known = {t: cache[t] for t in texts if t in cache}
            missing = [t for t in dict.fromkeys(texts) if t not in known]
            vectors = encoder.embed([*questions, *missing])
            known.update(zip(missing, vectors[len(questions) :], strict=True))
            with self._cache_lock:
                cache.update((t, known[t]) for t in missing)
                while len(cache) > UNIT_CACHE:
                    cache.pop(next(iter(cache)))
            units = np.stack([known[t] for t in texts])
            return [[float(v) for v in units @ vectors[i]] for i in range(len(questions))]

        return await asyncio.to_thread(encode)

    def _compose(self, per_part: list[list[_Scored]]) -> list[_Scored]:
        """The best unit of each part of the question, then those that score almost as well as the lead."""
        config = self._config
        lead = per_part[0][0]
        chosen = [lead]
        used = len(lead.unit.shown)

        def add(candidate: _Scored) -> None:
            nonlocal used
            if any(_overlaps(candidate.unit, other.unit) for other in chosen):
                return
            if used + len(candidate.unit.shown) > config.max_answer_chars:
                return
            chosen.append(candidate)
            used += len(candidate.unit.shown)

        for part in per_part[1:]:
            if part[0].score >= lead.score * 0.7:
                add(part[0])
        for candidate in per_part[0][1:]:
            if len(chosen) >= config.max_units or candidate.score < lead.score * config.relative_floor:
                break
            add(candidate)
        return chosen


def _lead_before(passage: Passage, passages: list[Passage]) -> str:
    """The lead-in ending the previous passage of the same document, when that one was found too."""
    if passage.position is None:
        return ""
    for other in passages:
        if other.document_id == passage.document_id and other.position == passage.position - 1:
            return trailing_lead(other.content)
    return ""


def _embedding_text(passage: Passage, unit: Unit) -> str:
    """The unit's start under its nearest heading: enough for its meaning, short enough to embed a dozen
    within the time budget."""
    heading = passage.section_path.rsplit(" > ", 1)[-1] if passage.section_path else passage.title
    text = f"{heading}: {unit.shown}" if heading else unit.shown
    if len(text) > EMBED_CHARS:
        text = text[:EMBED_CHARS].rsplit(" ", 1)[0]
    return text


def _render(unit: Unit, number: int, *, first: bool) -> str:
    separator = "" if first else ("\n\n" if "\n" in unit.shown else " ")
    if unit.kind in ("list", "table"):
        lead = f"{unit.lead} [{number}]\n" if unit.lead else ""
        body = unit.text if unit.lead else f"{unit.text} [{number}]"
        return f"{separator}{lead}{body}\n\n" if unit.lead else f"{separator}{body}\n\n"
    if unit.lead:
        return f"{separator}{unit.lead} {unit.text} [{number}]"
    return f"{separator}{unit.text} [{number}]"


def _overlaps(a: Unit, b: Unit) -> bool:
    """Near-duplicates (overlapping chunks repeat sentences, a list repeats its items) add nothing."""
    x, y = a.shown.casefold(), b.shown.casefold()
    if x in y or y in x:
        return True
    wa, wb = set(x.split()), set(y.split())
    return len(wa & wb) / max(1, len(wa | wb)) >= 0.8


# Words a question names that the knowledge base must mention for an answer to be about them: numbers
# and codes ("2027", "v15"), acronyms ("NPS"), and capitalised names after the first word ("Tableau").
_ANCHOR = re.compile(
    r"\b(?:\w*\d\w*|[A-Z]{2,}\w*|[A-Z][a-z]+[A-Z]\w*|[A-Z][a-z]*-[A-Z][a-z]*)\b"
    r"|(?<=\s)[A-Z][a-z]{2,}(?:-[A-Za-z]+)?\b"
)
_COMMON_CAPITALS = frozenset({"I", "OK", "FAQ", "ID", "IDS"})


def _missing_anchors(question: str, passages: Sequence[Passage]) -> list[str]:
    """Names in the question that no retrieved passage mentions."""
    text = " ".join(f"{p.title} {p.section_path} {p.content}" for p in passages)
    found = []
    for anchor in dict.fromkeys(_ANCHOR.findall(question)):
        if anchor.upper() in _COMMON_CAPITALS or len(anchor) < 2:
            continue
        if not _mentions(text, anchor):
            found.append(anchor)
    return found


def _mentions(text: str, anchor: str) -> bool:
    folded = text.casefold()
    name = anchor.casefold()
    return name in folded or (len(name) > 3 and name.rstrip("s") in folded)
