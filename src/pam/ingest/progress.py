"""In-memory progress of one running task, flushed to its rows by the single writer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

COUNTERS = (
    "total",
    "processed",
    "succeeded",
    "skipped",
    "failed",
    "deleted",
    "segments_created",
    "segments_embedded",
)


@dataclass(slots=True)
class ItemState:
    item_id: uuid.UUID
    stage: str = "queued"
    dirty: bool = False


@dataclass(slots=True)
class TaskProgress:
    task_id: uuid.UUID
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    items: dict[str, ItemState] = field(default_factory=dict)  # by source_id

    def stage(self, source_id: str, stage: str) -> None:
        state = self.items.get(source_id)
        if state is not None and state.stage != stage:
            state.stage = stage
            state.dirty = True

    def take_dirty(self) -> list[tuple[uuid.UUID, str]]:
        dirty = [(s.item_id, s.stage) for s in self.items.values() if s.dirty]
        for state in self.items.values():
            state.dirty = False
        return dirty

    def add(self, **deltas: int) -> None:
        for name, delta in deltas.items():
            self.counters[name] += delta
