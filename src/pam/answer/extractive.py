"""The extractive provider: no LLM. Search once, then answer with the units (sentences, lists with their
lead-in, table rows) of the top passages that best answer the question, each followed by its ``[n]``.

1. A follow-up is made standalone from the stored conversation (``followup``); a table question is
   answered from the data first (``request.direct``).
2. The top passages (and, for each later part of a multi-part question, the best few of that part's
   own search) are cut into units (``answer_units``), which are scored (``unit_scoring``) by
   their own meaning (each candidate is embedded with the packaged model), the question's terms, how
   their form suits the kind of question (``question_kind``) and their passage's relevance.
3. The answer leads with the best unit, then adds the few that score almost as well.
4. It declines ("not in the knowledge base", no citations; ``state.declined``) when nothing answers:
   the best unit is semantically unrelated and shares too few of the question's terms, the
   question names something (a number, a product, an acronym) that none of the retrieved passages
   mention, or several of its words occur nowhere in the knowledge base (``unknown_terms``). The thresholds were calibrated on questions that have no answer
   (bench/calibrate_decline.py), on the packaged model's cosines. Without that model there is no
   unit cosine to compare with them (a passage's search score stands in for ranking only), so the
   decline then rests on what needs no model: no unit shares a content term of the question, a
   name or number no passage has, no value of the wanted type.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

from pam.answer.anchors import keys, mentions, missing_anchors
from pam.answer.answer_compose import Scored, compose, render
from pam.answer.answer_units import Unit, passage_units, trailing_lead
from pam.answer.events import AnswerEvent, Status
from pam.answer.followup import standalone_question
from pam.answer.question_kind import QuestionKind, classify, question_parts
from pam.answer.sources import KnowledgeTools, Passage, ToolFilters
from pam.answer.strategy import AnswerRequest, HistoryTurn, RunState
from pam.answer.text_terms import TermAnalyzer
from pam.answer.unit_embedding import SentenceEncoder, UnitEmbedder
from pam.answer.unit_scoring import (
    Weights,
    form_fit,
    holds_wanted_value,
    opposes,
    passage_idf,
    penalty,
    term_share,
)
from pam.answer.unknown_terms import unknown_words

NOT_FOUND = "I could not find this in the knowledge base."
# Units embedded for each later part of a multi-part question, beyond those of the first.
PART_UNITS = 3
# Passages a later part's own search adds to those read (its answer may sit in another section).
PART_SEARCH_K = 3
# What an item under a negative lead-in loses for an affirmative question ("events that do not count").
NEGATED_LEAD = 0.08
MAX_QUESTION_CHARS = 2_000


@dataclass(frozen=True, slots=True)
class ExtractiveConfig:
    search_k: int = 8
    # Units are read from this many top passages.
    passages_read: int = 8
    # At most this many units are embedded per question (the best by a cheap first score).
    embed_units: int = 10
    max_units: int = 4
    max_answer_chars: int = 900
    # Further units must score at least this share of the best one.
    relative_floor: float = 0.8
    # Decline below this: the best unit's cosine plus half its share of the question's terms. On the
    # handbook (bench/calibrate_decline.py) the 34 answerable text questions scored 0.48 to 1.19 and 7 of
    # 16 calibration questions with no answer scored 0.29 to 0.47 (the others are caught by names and
    # numbers no passage has, or sound answerable: 0.50 to 0.91); the threshold sits in the gap.
    min_support: float = 0.475
    weights: Weights = field(default_factory=Weights)


@dataclass(frozen=True, slots=True)
class Signals:
    support: float  # the best unit's cosine plus half its term share, over the parts of the question
    unknown_name: bool
    answers: bool


@dataclass(frozen=True, slots=True)
class _Unit:
    passage: int
    unit: Unit
    terms: frozenset[str]
    heading: frozenset[str]
    cosine: float  # the passage's


class ExtractiveStrategy:
    def __init__(
        self,
        config: ExtractiveConfig | None = None,
        analyzer: TermAnalyzer | None = None,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self._config = config or ExtractiveConfig()
        self._analyzer = analyzer or TermAnalyzer()
        self._embedder = UnitEmbedder(encoder, self._analyzer) if encoder is not None else None

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
        picked: list[Scored] = []
        read = passages[: self._config.passages_read]
        if not await self._off_the_map(query, passages, request.knowledge, request.filters):
            read, own = await self._with_part_passages(query, read, request.knowledge, request.filters)
            ranked = await self._rank(query, read, own)
            if ranked and self._answers(query, ranked, read):
                picked = compose(
                    ranked,
                    max_units=self._config.max_units,
                    max_chars=self._config.max_answer_chars,
                    relative_floor=self._config.relative_floor,
                    keys=keys(query),
                    kinds=[classify(part) for part in question_parts(query)],
                    by_meaning=self._embedder is not None,
                )
        if not picked:
            state.declined = True
            for event in state.citations.feed(NOT_FOUND):
                yield event
            return
        for index, chosen in enumerate(picked):
            number = state.sources.add(read[chosen.passage])
            for event in state.citations.feed(render(chosen.unit, number, first=index == 0)):
                yield event

    async def signals(self, question: str, knowledge: KnowledgeTools, filters: ToolFilters) -> Signals:
        """What the decline decision reads, for calibrating it (bench/calibrate_decline.py)."""
        passages = await knowledge.search(question, filters, self._config.search_k)
        unknown = await self._off_the_map(question, passages, knowledge, filters)
        read, own = await self._with_part_passages(
            question, passages[: self._config.passages_read], knowledge, filters
        )
        ranked = await self._rank(question, read, own)
        answers = bool(ranked) and self._answers(question, ranked, read)
        return Signals(_support(ranked), unknown, answers)

    def _answers(self, question: str, per_part: list[list[Scored]], passages: list[Passage]) -> bool:
        """Whether the best units answer the question at all (thresholds: bench/calibrate_decline.py).

        - the best unit (of some part of the question) must be about it: its cosine plus half its term
          share reaches ``min_support`` (calibrated on the model's cosines); without the model, it must
          share at least one of the question's content terms;
        - numbers, years and codes the question names must be in the best units' passages ("the target
          for 2024" is not answered by the 2026 targets);
        - a question for a value of some type (a number, a date, a version, a person) needs a unit among
          the best three that holds one.
        """
        ranked = per_part[0]
        if self._embedder is None:
            if not any(part and part[0].terms > 0 for part in per_part):
                return False
        elif _support(per_part) < self._config.min_support:
            return False
        near = [passages[i] for i in dict.fromkeys(s.passage for s in ranked[:3])]
        if any(k in missing_anchors(question, near) for k in keys(question)):
            return False
        kind = classify(question_parts(question)[0])
        return any(holds_wanted_value(s.unit, kind) for s in ranked[:3])

    async def _off_the_map(
        self, question: str, passages: list[Passage], knowledge: KnowledgeTools, filters: ToolFilters
    ) -> bool:
        """The question is about something the knowledge base never mentions: a name (a number, a
        product, an acronym) or several of its words that none of the passages found has, and a search
        for each alone finds no passage that has it either. Then no passage can answer, however
        similar it reads."""
        for anchor in missing_anchors(question, passages)[:3]:
            found = await knowledge.search(anchor, filters, 5)
            if not any(mentions(f"{p.title} {p.section_path} {p.content}", anchor) for p in found):
                return True
        return bool(await unknown_words(question, passages, knowledge, filters, self._analyzer))

    def _parts(self, question: str) -> tuple[list[str], list[str]]:
        """The parts of a multi-part question as asked, and each made standalone: a later part leans on
        the first ("..., and over what window?"), so it gets the first part's topic."""
        raw = question_parts(question)
        return raw, [raw[0], *(standalone_question(p, [HistoryTurn("user", raw[0])]) for p in raw[1:])]

    async def _with_part_passages(
        self, question: str, read: list[Passage], knowledge: KnowledgeTools, filters: ToolFilters
    ) -> tuple[list[Passage], list[list[int]]]:
        """``read`` plus, for each later part of the question, the best passages of its own search: the
        whole question's search favours its first part, and the rest is often answered elsewhere.
        Also, per later part, the indexes (into the result) of the passages its own search found."""
        _, parts = self._parts(question)
        at = {p.segment_id: i for i, p in enumerate(read)}
        out = list(read)
        own: list[list[int]] = []
        for part in parts[1:]:
            found = []
            for passage in await knowledge.search(part, filters, PART_SEARCH_K):
                if passage.segment_id not in at:
                    at[passage.segment_id] = len(out)
                    out.append(passage)
                found.append(at[passage.segment_id])
            own.append(found)
        return out, own

    async def _rank(
        self, question: str, passages: list[Passage], own: list[list[int]] | None = None
    ) -> list[list[Scored]]:
        """Per part of the question, every candidate unit scored, best first (empty: nothing to say).
        ``own``: per later part, the passages its own search found (their best units are candidates)."""
        if not passages or not self._analyzer.term_set(question):
            return []
        raw_parts, parts = self._parts(question)
        kinds = [classify(part) for part in raw_parts]
        units = self._units(passages)
        # The first part is read with the whole question's terms (the parts share a topic); later parts
        # with their own, so each can find the unit that answers it.
        whole = self._analyzer.term_set(question)
        part_terms = [whole, *(self._analyzer.term_set(part) or whole for part in parts[1:])]
        passage_terms = [self._analyzer.term_set(f"{p.section_path} {p.content}") for p in passages]
        rough = [
            self._rough(units, terms, passage_terms, kind)
            for terms, kind in zip(part_terms, kinds, strict=True)
        ]
        candidates = self._candidates(rough, own or [])
        if not candidates:
            return []
        similarities = await self._similarities(parts, passages, [units[i] for i in candidates], whole)
        per_part: list[list[Scored]] = []
        for index, kind in enumerate(kinds):
            scored = [
                self._final(rough[index][i], similarities[index][n], kind, units[i])
                for n, i in enumerate(candidates)
            ]
            scored.sort(key=lambda s: -s.score)
            per_part.append(scored)
        return per_part

    def _units(self, passages: list[Passage]) -> list[_Unit]:
        found = []
        for rank, passage in enumerate(passages):
            heading = self._analyzer.term_set(f"{passage.title} {passage.section_path}")
            # A document titled with a code ("ADR-007: ...", "INC-2026-004 postmortem") is about that
            # code: each of its sentences counts as naming it, as much as a passing mention elsewhere.
            title = self._analyzer.term_set(passage.title)
            codes = frozenset(t for t in title if any(c.isdigit() for c in t))
            cosine = passage.score if 0.0 <= passage.score <= 1.0 else 0.0
            for unit in passage_units(passage.content, _lead_before(passage, passages)):
                terms = self._analyzer.term_set(unit.shown) | codes
                found.append(_Unit(rank, unit, terms, heading, cosine))
        return found

    def _rough(
        self,
        units: list[_Unit],
        query: frozenset[str],
        passage_terms: list[frozenset[str]],
        kind: QuestionKind,
    ) -> list[Scored]:
        """A cheap first score of every unit for one part of the question (no model)."""
        w = self._config.weights
        idf = passage_idf(query, passage_terms)
        out = []
        for u in units:
            terms = term_share(query, idf, u.terms, u.heading)
            first = (
                w.terms * terms
                + w.fit * form_fit(u.unit, kind)
                - 0.2 * penalty(u.unit)
                + 0.02 / (1 + u.passage)
            )
            out.append(Scored(u.passage, u.unit, first, 0.0, terms))
        return out

    def _candidates(self, rough: list[list[Scored]], own: list[list[int]]) -> list[int]:
        """Indexes of the units worth embedding: for the first part the best two of each passage, then
        the best overall; for each later part the best unit of each passage its own search found, then
        its best few overall."""
        limit = self._config.embed_units
        first = rough[0]
        order = sorted(range(len(first)), key=lambda i: -first[i].score)
        seen: dict[int, int] = {}
        chosen: list[int] = []
        for i in order:
            if seen.get(first[i].passage, 0) < 2:
                seen[first[i].passage] = seen.get(first[i].passage, 0) + 1
                chosen.append(i)
        chosen += [i for i in order if i not in chosen]
        picked = chosen[:limit]
        for index, part in enumerate(rough[1:]):
            best = sorted(range(len(part)), key=lambda i: -part[i].score)
            mine = set(own[index]) if index < len(own) else set()
            for passage in mine:
                top = next((i for i in best if part[i].passage == passage), None)
                if top is not None and top not in picked:
                    picked.append(top)
            picked += [i for i in best if i not in picked][:PART_UNITS]
        return picked

    def _final(self, rough: Scored, semantic: float, kind: QuestionKind, unit: _Unit) -> Scored:
        w = self._config.weights
        cosine = unit.cosine
        fit = form_fit(rough.unit, kind)
        score = (
            w.semantic * semantic
            + w.terms * rough.terms
            + w.fit * fit
            + w.passage * cosine
            + 0.02 / (1 + rough.passage)
            - 0.25 * penalty(rough.unit)
            - (NEGATED_LEAD if opposes(rough.unit, kind) else 0.0)
        )
        return Scored(rough.passage, rough.unit, score, semantic, rough.terms)

    async def _similarities(
        self, questions: list[str], passages: list[Passage], candidates: list[_Unit], terms: frozenset[str]
    ) -> list[list[float]]:
        """Per question (part): the cosine of each candidate unit, embedded on its own."""
        if self._embedder is None:
            # No model: the passage's own relevance stands in for each of its units.
            scores = [max(0.0, min(1.0, passages[c.passage].score)) for c in candidates]
            return [scores for _ in questions]
        embedder = self._embedder
        texts = [embedder.text_for(_heading(passages[c.passage]), c.unit.shown, terms) for c in candidates]
        return await asyncio.to_thread(embedder.similarities, questions, texts)


def _heading(passage: Passage) -> str:
    return passage.section_path.rsplit(" > ", 1)[-1] if passage.section_path else passage.title


def _lead_before(passage: Passage, passages: list[Passage]) -> str:
    """The lead-in ending the previous passage of the same document, when that one was found too."""
    if passage.position is None:
        return ""
    for other in passages:
        if other.document_id == passage.document_id and other.position == passage.position - 1:
            return trailing_lead(other.content)
    return ""


def _support(per_part: list[list[Scored]]) -> float:
    return max((p[0].semantic + 0.5 * p[0].terms for p in per_part if p), default=0.0)
