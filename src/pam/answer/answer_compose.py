"""Putting an extractive answer together: the lead, each part's own answer, then close seconds.

Each scored unit says which passage it came from; rendering writes it with its ``[n]`` (a list under
its lead-in, the marker after the lead-in).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pam.answer.anchors import mentions
from pam.answer.answer_units import Unit
from pam.answer.question_kind import QuestionKind


@dataclass(frozen=True, slots=True)
class Scored:
    passage: int
    unit: Unit
    score: float
    semantic: float
    terms: float


def compose(
    per_part: list[list[Scored]],
    *,
    max_units: int,
    max_chars: int,
    relative_floor: float,
    keys: Sequence[str] = (),
    kinds: Sequence[QuestionKind] = (),
    by_meaning: bool = True,
) -> list[Scored]:
    """The best unit of each part of the question, then those that score almost as well as the lead.

    ``keys`` are the numbers and codes the question names ("2026-Q3"): when the lead has them, a table
    row without them is a sibling row (another quarter), not support, and is left out.
    ``by_meaning``: each unit's ``semantic`` is its own cosine with the question (with no model it is
    its passage's search score, from whichever search found it, and says nothing between units)."""
    lead = per_part[0][0]
    chosen = [lead]
    used = len(lead.unit.shown)
    named = [k for k in keys if mentions(lead.unit.shown, k)]

    def add(candidate: Scored) -> bool:
        nonlocal used
        if candidate.unit.kind == "row" and not all(mentions(candidate.unit.shown, k) for k in named):
            return False
        if any(overlaps(candidate.unit, other.unit) for other in chosen):
            return False
        if used + len(candidate.unit.shown) > max_chars:
            return False
        chosen.append(candidate)
        used += len(candidate.unit.shown)
        return True

    for part, kind in zip(per_part[1:], kinds[1:], strict=False):
        # Each later part gets its own answer: its best unit that fits, if it is about that part;
        # for "which X..." a close list beats a sentence.
        # Among its close few, the one whose meaning is nearest: a later part's own words are mostly its
        # form ("over what window"), and a unit sharing only those is about something else.
        top = sorted(part[:3], key=lambda c: -c.semantic) if by_meaning else part[:3]
        if kind.want == "items":
            # "Which X ...?" wants the list: a close one first, and an item is shown as its whole list.
            near = top[0].semantic * 0.75
            listed = ("list", "table", "item", "row")
            top = sorted(top, key=lambda c: c.unit.kind not in listed or c.semantic < near)
            top = [whole_list(c, part) for c in top]
        for candidate in top:
            if candidate.score >= max(part[0].score, lead.score) * 0.7 and add(candidate):
                break
    for candidate in per_part[0][1:]:
        if len(chosen) >= max_units or candidate.score < lead.score * relative_floor:
            break
        add(candidate)
    return chosen


def whole_list(candidate: Scored, units: Sequence[Scored]) -> Scored:
    """The list or table an item or row belongs to (same passage, same lead-in), if it is at hand."""
    if candidate.unit.kind not in ("item", "row") or not candidate.unit.lead:
        return candidate
    for other in units:
        if (
            other.passage == candidate.passage
            and other.unit.kind in ("list", "table")
            and other.unit.lead == candidate.unit.lead
        ):
            return Scored(other.passage, other.unit, candidate.score, candidate.semantic, candidate.terms)
    return candidate


def render(unit: Unit, number: int, *, first: bool) -> str:
    separator = "" if first else ("\n\n" if "\n" in unit.shown else " ")
    if unit.kind in ("list", "table"):
        # The marker closes the list, so the lead-in and every item are one claim of that source (a
        # marker after the lead-in left the items to the next claim, which the grounding check rejects).
        lead = f"{unit.lead}\n" if unit.lead else ""
        return f"{separator}{lead}{unit.text} [{number}]\n\n"
    if unit.lead:
        return f"{separator}{unit.lead} {unit.text} [{number}]"
    return f"{separator}{unit.text} [{number}]"


def overlaps(a: Unit, b: Unit) -> bool:
    """Near-duplicates (overlapping chunks repeat sentences, a list repeats its items) add nothing."""
    x, y = a.shown.casefold(), b.shown.casefold()
    if x in y or y in x:
        return True
    wa, wb = set(x.split()), set(y.split())
    return len(wa & wb) / max(1, len(wa | wb)) >= 0.8
