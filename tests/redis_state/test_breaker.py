"""The circuit breaker: skip after a failure, one trial per window, closed by a success; logged once."""

from __future__ import annotations

import io
import json

from pam.redis_state.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_closed_until_a_failure_then_skips_for_the_window() -> None:
    clock = Clock()
    breaker = CircuitBreaker(open_for_s=3.0, clock=clock)
    assert breaker.allows() and not breaker.is_open
    breaker.failed(ConnectionError(), where="test")
    assert breaker.is_open and not breaker.allows()
    clock.now += 2.9
    assert not breaker.allows()


def test_one_trial_per_window_and_a_success_closes() -> None:
    clock = Clock()
    breaker = CircuitBreaker(open_for_s=3.0, clock=clock)
    breaker.failed(ConnectionError(), where="test")
    clock.now += 3.0
    assert breaker.allows()  # the trial
    assert not breaker.allows()  # everyone else keeps skipping while it runs
    breaker.succeeded()
    assert breaker.allows() and breaker.allows() and not breaker.is_open


def test_a_failed_trial_reopens_for_a_full_window() -> None:
    clock = Clock()
    breaker = CircuitBreaker(open_for_s=3.0, clock=clock)
    breaker.failed(ConnectionError(), where="test")
    clock.now += 3.5
    assert breaker.allows()
    breaker.failed(TimeoutError(), where="test")
    clock.now += 2.0
    assert not breaker.allows()
    clock.now += 1.0
    assert breaker.allows()


def test_each_outage_is_logged_once_with_the_error_type_only(log_stream: io.StringIO) -> None:
    clock = Clock()
    breaker = CircuitBreaker(open_for_s=1.0, clock=clock)
    for _ in range(2):
        for _ in range(10):
            breaker.failed(ConnectionError("Error 111 connecting to 10.0.0.5:6379"), where="test")
            clock.now += 2
            breaker.allows()
        breaker.succeeded()
        breaker.succeeded()
    lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["redis_unavailable", "redis_recovered"] * 2
    assert lines[0]["error"] == "ConnectionError"
    assert "10.0.0.5" not in log_stream.getvalue()
    assert lines[1]["down_for_s"] == 20.0
