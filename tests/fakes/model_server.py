"""A fake LLM server on loopback speaking the real Anthropic and OpenAI wire protocols.

- ``POST .../v1/messages`` (Anthropic Messages, streaming SSE or plain JSON)
- ``POST .../chat/completions`` (OpenAI Chat Completions, streaming chunks or plain JSON)

Each request consumes the next scripted turn (see ``model_script``); every request is recorded
(path, headers, JSON body) so tests can check what the client sent back, e.g. tool results.
It is a plain asyncio HTTP/1.1 server on its own event loop in a background thread, so the real SDKs
can be used end to end without patching their transports. One response per connection
(``Connection: close``); streams use chunked encoding, so a scripted ``drop`` is seen by the client
as a body cut short, exactly like a dying upstream.

Command line (for a separate ``pam serve`` pointed at it)::

    python -m tests.fakes.model_server --script FILE --port N
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes import model_wire as wire
from tests.fakes.model_script import (
    Delay,
    Drop,
    HttpError,
    ModelScript,
    Quirks,
    QuoteSource,
    StreamError,
    Text,
    ToolUse,
    Turn,
)

HOST = "127.0.0.1"
MAX_BODY = 20 * 1024 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def protocol(self) -> str:
        return "anthropic" if self.path.endswith("/messages") else "openai"


class FakeModelServer:
    def __init__(self, script: ModelScript | None = None, *, port: int = 0) -> None:
        self._script = script or ModelScript()
        self._port = port
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._served = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------ control (any thread)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._port}"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def set_script(
        self, turns: list[Turn], default_turn: Turn | None = None, quirks: Quirks | None = None
    ) -> None:
        with self._lock:
            self._script = ModelScript(list(turns), default_turn, quirks or Quirks())
            self._served = 0

    def start(self) -> FakeModelServer:
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            self._server = loop.run_until_complete(asyncio.start_server(self._handle, HOST, self._port))
            self._port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-model-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake model server did not start")
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> FakeModelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    # ------------------------------------------------------------ serving (server thread)

    def _next_turn(self, *, consume: bool = True) -> tuple[Turn | None, int]:
        with self._lock:
            seq = self._served
            if consume:
                self._served += 1
            if seq < len(self._script.turns):
                return self._script.turns[seq], seq
            return self._script.default_turn, seq

    def _refusal(self, body: dict[str, Any]) -> tuple[int, str] | None:
        """A quirk's refusal of this request, decided before it consumes a turn (the client asks
        again differently and gets the same turn). Status 200: an event stream with nothing in it."""
        quirks = self._script.quirks
        if not body.get("tools"):
            return None
        if quirks.refuse_tools:
            return 400, "tools are not supported by this server"
        how = quirks.refuse_streamed_tool_choice
        if how is not None and body.get("stream") and body.get("tool_choice") == "auto":
            turn, _ = self._next_turn(consume=False)
            if turn is not None and any(isinstance(a, ToolUse) for a in turn):
                return (
                    200 if how == "empty_stream" else 500
                ), "Automatic streaming tool choice is not supported"
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve_one(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if length > MAX_BODY:
            raise ValueError("body too large")
        raw = await reader.readexactly(length) if length else b""
        path = target.split("?", 1)[0]
        body: dict[str, Any] = json.loads(raw) if raw else {}
        with self._lock:
            self._requests.append(RecordedRequest(method, path, headers, body))
        if method != "POST" or not (path.endswith("/messages") or path.endswith("/chat/completions")):
            await _respond_json(writer, 404, {"error": {"message": "not found"}})
            return
        anthropic = path.endswith("/messages")
        refusal = None if anthropic else self._refusal(body)
        if refusal is not None and refusal[0] == 200:
            await _stream(writer, [])
            return
        if refusal is not None:
            await _respond_json(writer, refusal[0], wire.openai_error(*refusal))
            return
        turn, seq = self._next_turn()
        if turn is None:
            error = (
                wire.anthropic_error(500, "script exhausted")
                if anthropic
                else wire.openai_error(500, "script exhausted")
            )
            await _respond_json(writer, 500, error)
            return
        failure = next((a for a in turn if isinstance(a, HttpError)), None)
        if failure is not None:
            error = (
                wire.anthropic_error(failure.status, failure.message)
                if anthropic
                else wire.openai_error(failure.status, failure.message)
            )
            # Tiny retry hints keep SDK retries fast in tests.
            await _respond_json(writer, failure.status, error, {"retry-after-ms": "10", "retry-after": "0"})
            return
        turn = [_as_read(action, body) for action in turn]
        quirks = self._script.quirks
        model = str(body.get("model", "fake-model"))
        input_tokens = max(1, len(raw) // 4)
        if not body.get("stream"):
            for action in turn:
                if isinstance(action, Delay):
                    await asyncio.sleep(action.seconds)
            if any(isinstance(a, Drop) for a in turn):
                writer.write(
                    b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"id"'
                )
                await writer.drain()
                return
            reply = (
                wire.anthropic_message(turn, model, input_tokens, seq)
                if anthropic
                else wire.openai_completion(turn, model, input_tokens, seq, quirks)
            )
            await _respond_json(writer, 200, reply)
            return
        if anthropic:
            frames = wire.anthropic_stream(turn, model, input_tokens, seq)
        else:
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            frames = wire.openai_stream(turn, model, input_tokens, seq, include_usage, quirks)
        await _stream(writer, frames)


_SOURCE = re.compile(r"^\[(\d+)\] .*?: (.+)$", re.MULTILINE)
# In a scripted text, replaced by the highest source number the request showed (the latest result).
LAST_SOURCE = "{last_source}"
_SENTENCE = re.compile(r"(?<=[.!?])\s")


def _as_read(action: Any, body: dict[str, Any]) -> Any:
    """Actions that depend on what the request showed the model, resolved against it."""
    if isinstance(action, QuoteSource):
        return Text(quoted_source(body))
    if isinstance(action, Text) and LAST_SOURCE in action.text:
        numbers = [int(m.group(1)) for m in _SOURCE.finditer(_prompt_text(body))]
        return Text(action.text.replace(LAST_SOURCE, str(max(numbers, default=0))))
    return action


def _prompt_text(body: dict[str, Any]) -> str:
    parts: list[str] = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, list):
            content = "\n".join(str(block.get("text") or block.get("content") or "") for block in content)
        if isinstance(content, str):
            parts.append(content)
    return "\n".join(parts)


def quoted_source(body: dict[str, Any]) -> str:
    """What a model that reads its prompt would say: the first numbered passage's first sentence."""
    found = _SOURCE.search(_prompt_text(body))
    if found is None:
        return "I could not find this in the knowledge base."
    sentence = _SENTENCE.split(found.group(2).strip(), maxsplit=1)[0].rstrip(" .")
    return f"{sentence} [{found.group(1)}]."


async def _respond_json(
    writer: asyncio.StreamWriter, status: int, body: dict[str, Any], extra: dict[str, str] | None = None
) -> None:
    payload = json.dumps(body).encode()
    head = [
        f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}",
        "content-type: application/json",
        f"content-length: {len(payload)}",
        "connection: close",
    ]
    head += [f"{k}: {v}" for k, v in (extra or {}).items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
    await writer.drain()


async def _stream(writer: asyncio.StreamWriter, frames: list[wire.Frame | StreamError]) -> None:
    head = [
        "HTTP/1.1 200 OK",
        "content-type: text/event-stream",
        "cache-control: no-cache",
        "transfer-encoding: chunked",
        "connection: close",
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    await writer.drain()
    for frame in frames:
        if isinstance(frame, Delay):
            await asyncio.sleep(frame.seconds)
        elif isinstance(frame, Drop):
            # Close without the terminating chunk: the client sees an incomplete body.
            await writer.drain()
            return
        elif isinstance(frame, bytes):
            writer.write(f"{len(frame):x}\r\n".encode() + frame + b"\r\n")
            await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake Anthropic/OpenAI model server for tests")
    parser.add_argument(
        "--script", type=Path, required=True, help="JSON script (see tests/fakes/model_script.py)"
    )
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = FakeModelServer(ModelScript.load(args.script), port=args.port).start()
    print(f"fake model server listening on {server.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
