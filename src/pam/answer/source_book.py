"""Numbers every passage shown to the model during one answer, so ``[n]`` can be mapped back.

Numbers are global across the whole turn (all tool calls), start at 1, and a segment seen twice keeps
its first number, so the model can cite consistently across several searches. Each number also keeps
the evidence the model read for it (the passage's text, or e.g. a query's result rows), which the
grounding check compares cited claims with.
"""

from __future__ import annotations

from pam.answer.sources import Passage

# What one passage may occupy in the model's context; segments are chunk-sized, so this is a guard.
MAX_PASSAGE_CHARS = 2_000


class SourceBook:
    def __init__(self) -> None:
        self._by_number: dict[int, Passage] = {}
        self._number_of: dict[str, int] = {}
        self._evidence: dict[int, str] = {}

    def add(self, passage: Passage, evidence: str | None = None) -> int:
        """The passage's number (new or existing); ``evidence`` is what the model was shown for it
        when that is more than ``passage.content``."""
        number = self._number_of.get(passage.segment_id)
        if number is None:
            number = len(self._by_number) + 1
            self._by_number[number] = passage
            self._number_of[passage.segment_id] = number
        if evidence:
            self._evidence[number] = self._evidence.get(number, "") + "\n" + evidence
        return number

    def get(self, number: int) -> Passage | None:
        return self._by_number.get(number)

    def evidence(self, number: int) -> str:
        """Everything the model read for source ``number`` ("" for an unknown number)."""
        passage = self._by_number.get(number)
        if passage is None:
            return ""
        return passage.content + self._evidence.get(number, "")

    def numbers(self) -> list[int]:
        return list(self._by_number)

    def __len__(self) -> int:
        return len(self._by_number)

    def render(self, passage: Passage) -> str:
        """``[n] title > section: text``, registering the passage if it is new."""
        number = self.add(passage)
        label = passage.title or "Untitled"
        if passage.section_path:
            label = f"{label} > {passage.section_path}"
        if passage.page is not None:
            label = f"{label} (page {passage.page})"
        text = " ".join(passage.content.split())
        if len(text) > MAX_PASSAGE_CHARS:
            text = text[:MAX_PASSAGE_CHARS] + " …"
        return f"[{number}] {label}: {text}"
