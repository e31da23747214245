"""A fake OpenAI-compatible embeddings server on loopback, speaking the real wire protocol.

``POST /v1/embeddings`` with ``{"model", "input": str | [str], "encoding_format": "float" | "base64",
"dimensions"?}`` answers ``{"object": "list", "data": [{"object": "embedding", "index", "embedding"}],
"model", "usage"}`` exactly as OpenAI documents it (base64 is little-endian float32), and errors as
``{"error": {"message", "type", "code"}}`` with OpenAI's statuses: 401 for a wrong key, 404 for an
unknown model, 400 for an empty string or too many inputs. Vectors are feature-hashed bags of words
(`DeterministicEmbedder`) scaled by 3, so a client that forgets to normalise is caught.

``fail_next(status, times)`` makes the next requests fail (429 carries ``retry-after: 0``), to test
retries and outages; every request is recorded. Runs in a background thread (``with server:``), or
as a process: ``python -m tests.fakes.embeddings_server --port N --model NAME=DIM``.
"""

from __future__ import annotations

import argparse
import base64
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from pam.embed.fake import DeterministicEmbedder

HOST = "127.0.0.1"
MAX_INPUTS = 2048


@dataclass(frozen=True)
class RecordedEmbeddingRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeEmbeddingServer:
    def __init__(
        self, models: dict[str, int] | None = None, *, api_key: str | None = None, port: int = 0
    ) -> None:
        self.models = dict(models or {"fake-embed-small": 48, "fake-embed-large": 96})
        self.api_key = api_key
        # Some servers (older Ollama, TEI) ignore encoding_format and always send float lists.
        self.always_float = False
        self._lock = threading.Lock()
        self._failures: list[int] = []
        self._open = threading.Event()
        self._open.set()
        self._requests: list[RecordedEmbeddingRequest] = []
        self._httpd = ThreadingHTTPServer((HOST, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self._httpd.server_address[1]}/v1"

    @property
    def requests(self) -> list[RecordedEmbeddingRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def embedded_texts(self) -> int:
        return sum(
            len(r.body.get("input", [])) for r in self.requests if isinstance(r.body.get("input"), list)
        )

    def hold(self) -> None:
        """Requests wait (unanswered) until `release()`: a slow model, frozen mid-way."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def vectors(self, model: str, texts: list[str], dimensions: int | None = None) -> np.ndarray:
        """What the server answers for `texts` (before encoding): the test's ground truth."""
        dim = dimensions or self.models[model]
        embedder = DeterministicEmbedder(dim=dim, max_tokens=100_000, model_id=model)
        return embedder.embed(texts) * np.float32(3.0)

    def start(self) -> FakeEmbeddingServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-embeddings", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._open.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeEmbeddingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ request handling

    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], Any]:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.", "invalid_json")
        self._open.wait(timeout=60)
        with self._lock:
            self._requests.append(
                RecordedEmbeddingRequest(path, headers, body if isinstance(body, dict) else {})
            )
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            status, extra, payload = _error(failure, "Scripted failure.", "scripted")
            if failure == 429:
                extra["retry-after"] = "0"
            return status, extra, payload
        if not path.rstrip("/").endswith("/embeddings"):
            return _error(404, f"Unknown path {path}.", "not_found")
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        if not isinstance(body, dict):
            return _error(400, "The body must be a JSON object.", "invalid_request")
        model = body.get("model")
        if model not in self.models:
            return _error(404, f"The model `{model}` does not exist.", "model_not_found")
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else inputs
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return _error(400, "'input' must be a string or a non-empty array of strings.", "invalid_input")
        if len(texts) > MAX_INPUTS or any(t == "" for t in texts):
            return _error(
                400, "'input' cannot contain empty strings or more than 2048 items.", "invalid_input"
            )
        dimensions = body.get("dimensions")
        if dimensions is not None and (not isinstance(dimensions, int) or dimensions < 1):
            return _error(400, "'dimensions' must be a positive integer.", "invalid_dimensions")
        matrix = self.vectors(model, texts, dimensions)
        as_base64 = body.get("encoding_format") == "base64" and not self.always_float
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": base64.b64encode(row.astype("<f4").tobytes()).decode()
                if as_base64
                else [float(x) for x in row],
            }
            for i, row in enumerate(matrix)
        ]
        tokens = sum(len(t.split()) for t in texts)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return 200, {}, {"object": "list", "data": data, "model": model, "usage": usage}


def _error(status: int, message: str, code: str) -> tuple[int, dict[str, str], Any]:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return status, {}, {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _handler_for(server: FakeEmbeddingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = server.answer(self.path, headers, raw)
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: tests read `requests`, not stderr."""

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--model", action="append", default=[], help="NAME=DIM (repeatable)")
    parser.add_argument("--api-key", default=None)
    args = parser.parse_args()
    models = {name: int(dim) for name, dim in (m.split("=", 1) for m in args.model)} or None
    server = FakeEmbeddingServer(models, api_key=args.api_key, port=args.port)
    print(server.base_url, flush=True)
    server._httpd.serve_forever()


if __name__ == "__main__":
    main()
