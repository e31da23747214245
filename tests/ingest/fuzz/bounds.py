"""The time and memory one fuzz case may cost, enforced around a single parse.

Time: a wall-clock alarm (SIGALRM) raises `OverTime`, a BaseException so no parser's `except
Exception` can swallow it; pytest-timeout's own alarm is re-armed afterwards with what it had left.
Native code (pdfium, DuckDB) only sees the alarm when it returns to Python, so the measured time is
checked as well. Memory: the peak of Python allocations during the parse, traced by tracemalloc
(the libraries' C allocations are not seen; their inputs are bounded by the case size instead).
"""

from __future__ import annotations

import signal
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class OverTime(BaseException):
    """A case ran past its wall-clock limit."""


@dataclass
class Cost:
    seconds: float = 0.0  # wall clock
    cpu_seconds: float = 0.0  # this thread's CPU time: what the parser itself spent, whatever else runs
    peak_bytes: int = 0


@contextmanager
def wall_clock_limit(seconds: float) -> Iterator[None]:
    def alarm(_signum: int, _frame: object) -> None:
        raise OverTime(f"still running after {seconds} s")

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, alarm)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = max(previous_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)


def measured(call: Callable[[], T], cost: Cost, *, seconds: float, trace_memory: bool = True) -> T:
    """`call()` under a wall-clock limit, its time and peak traced memory written into `cost`.

    Tracing slows Python code down several times: `trace_memory=False` measures time alone.
    """
    if not trace_memory:
        started, cpu = time.monotonic(), time.thread_time()
        try:
            with wall_clock_limit(seconds):
                return call()
        finally:
            cost.seconds = time.monotonic() - started
            cost.cpu_seconds = time.thread_time() - cpu
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    started, cpu = time.monotonic(), time.thread_time()
    try:
        with wall_clock_limit(seconds):
            return call()
    finally:
        cost.seconds = time.monotonic() - started
        cost.cpu_seconds = time.thread_time() - cpu
        cost.peak_bytes = tracemalloc.get_traced_memory()[1] - baseline
        if not was_tracing:
            tracemalloc.stop()
