"""Server-Sent Events: named events with JSON data, and heartbeat comments while idle.

The producer runs as its own task feeding a queue, so a heartbeat never has to interrupt it.
If the client goes away, the producer is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse

HEARTBEAT_S = 15.0
_END = object()


def format_event(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, default=str, separators=(',', ':'))}\n\n"


async def with_heartbeats(events: AsyncIterator[str], interval_s: float = HEARTBEAT_S) -> AsyncIterator[str]:
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=256)

    async def produce() -> None:
        try:
            async for chunk in events:
                await queue.put(chunk)
        finally:
            await queue.put(_END)

    producer = asyncio.create_task(produce())
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(queue.get(), timeout=interval_s)
            except TimeoutError:
                yield ": heartbeat\n\n"
                continue
            if chunk is _END:
                break
            yield str(chunk)
        await producer  # re-raise what the producer raised, if anything
    finally:
        producer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await producer


def sse_response(events: AsyncIterator[str], interval_s: float = HEARTBEAT_S) -> StreamingResponse:
    return StreamingResponse(
        with_heartbeats(events, interval_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
