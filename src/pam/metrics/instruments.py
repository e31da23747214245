"""The instruments recorded as things happen, in a registry of their own."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from pam.metrics.state import StateCollector

# Request latencies: from a cached search (ms) to a long chat answer (tens of seconds).
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LLM_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))

    def __post_init__(self) -> None:
        r = self.registry
        self.http_requests = Counter(
            "pam_http_requests",
            "HTTP requests answered, by route template, method and status code.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_errors = Counter(
            "pam_http_errors",
            "HTTP requests answered with a 5xx status, by route template and method.",
            ["method", "route"],
            registry=r,
        )
        self.http_latency = Histogram(
            "pam_http_request_duration_seconds",
            "Time from the request's arrival to the end of its response (streams included).",
            ["method", "route"],
            buckets=HTTP_BUCKETS,
            registry=r,
        )
        self.llm_tokens = Counter(
            "pam_llm_tokens",
            "Tokens the language model read (input) and wrote (output), by provider and model.",
            ["provider", "model", "direction"],
            registry=r,
        )
        self.llm_latency = Histogram(
            "pam_llm_call_duration_seconds",
            "Duration of one call to the language model (one agent step), by provider and model.",
            ["provider", "model"],
            buckets=LLM_BUCKETS,
            registry=r,
        )
        self.llm_errors = Counter(
            "pam_llm_errors",
            "Calls to the language model that failed, by provider, model and error code.",
            ["provider", "model", "code"],
            registry=r,
        )
        self.state = StateCollector()
        r.register(self.state)

    def render(self) -> bytes:
        """The registry in Prometheus' text exposition format."""
        return generate_latest(self.registry)
