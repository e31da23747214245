"""Figures read from the database and the index when `/metrics` is scraped.

Ingestion runs in the server or in `pam worker`s; its counters live in the task rows, so any server
reports the installation's totals and they survive restarts. `StateCollector.collect` is called by
prometheus-client synchronously; the async read happens first (`update`), then the scrape renders it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


@dataclass(frozen=True, slots=True)
class IndexPart:
    name: str  # "keyword", "vector" (embedded) or "postgres"
    applied_seq: int


@dataclass(frozen=True, slots=True)
class StateSnapshot:
    # Totals over every ingestion task: documents by outcome, segments written.
    documents: dict[str, int] = field(default_factory=dict)  # succeeded, skipped, failed, deleted
    segments_created: int = 0
    tasks: dict[str, int] = field(default_factory=dict)  # by status
    stored_documents: dict[str, int] = field(default_factory=dict)  # by status (active, error, deleted)
    outbox_seq: int = 0  # the database's latest index change
    oldest_pending_age_s: float = 0.0  # age of the oldest change some index has not applied
    parts: list[IndexPart] = field(default_factory=list)
    queued_jobs: int | None = None  # jobs waiting in the Redis queue (scale-out), None without one


class StateCollector(Collector):
    def __init__(self) -> None:
        self._snapshot: StateSnapshot | None = None

    def update(self, snapshot: StateSnapshot) -> None:
        self._snapshot = snapshot

    def describe(self) -> list[Metric]:
        return []  # the families depend on the snapshot; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        snap = self._snapshot
        if snap is None:
            return
        documents = CounterMetricFamily(
            "pam_ingest_documents",
            "Documents processed by ingestion tasks, by outcome (from the task rows: every process's work).",
            labels=["outcome"],
        )
        for outcome, count in sorted(snap.documents.items()):
            documents.add_metric([outcome], count)
        yield documents
        yield CounterMetricFamily(
            "pam_ingest_segments", "Segments written by ingestion tasks.", value=snap.segments_created
        )
        tasks = GaugeMetricFamily("pam_ingest_tasks", "Ingestion tasks by status.", labels=["status"])
        for status, count in sorted(snap.tasks.items()):
            tasks.add_metric([status], count)
        yield tasks
        yield GaugeMetricFamily(
            "pam_ingest_queue_depth",
            "Ingestion tasks waiting to run or running (pending + running).",
            value=snap.tasks.get("pending", 0) + snap.tasks.get("running", 0),
        )
        if snap.queued_jobs is not None:
            yield GaugeMetricFamily(
                "pam_queue_jobs", "Jobs waiting in the Redis queue for a worker.", value=snap.queued_jobs
            )
        stored = GaugeMetricFamily("pam_documents", "Documents stored, by status.", labels=["status"])
        for status, count in sorted(snap.stored_documents.items()):
            stored.add_metric([status], count)
        yield stored
        lag = GaugeMetricFamily(
            "pam_index_lag_changes",
            "Index changes the database committed that this index has not applied yet, by index.",
            labels=["index"],
        )
        applied = GaugeMetricFamily(
            "pam_index_applied_seq", "The last database change each index applied.", labels=["index"]
        )
        for part in snap.parts:
            lag.add_metric([part.name], max(snap.outbox_seq - part.applied_seq, 0))
            applied.add_metric([part.name], part.applied_seq)
        yield lag
        yield applied
        yield GaugeMetricFamily(
            "pam_index_lag_seconds",
            "Age of the oldest database change some index has not applied (0 when caught up).",
            value=snap.oldest_pending_age_s,
        )
