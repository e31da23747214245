"""Prometheus metrics: one registry per app or worker, built where its `Services` are built.

`Metrics` holds the instruments that code records into as things happen (HTTP requests, LLM calls);
`StateCollector` reports what is read from the database when `/metrics` is scraped (ingestion
totals, queue depth, index lag), so every server reports the same durable figures whichever process
did the work. Nothing is registered in prometheus-client's global default registry: two apps in one
process (the tests) never see each other's series.
"""

from pam.metrics.instruments import Metrics
from pam.metrics.state import IndexPart, StateCollector, StateSnapshot

__all__ = ["IndexPart", "Metrics", "StateCollector", "StateSnapshot"]
