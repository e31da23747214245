"""Every parser, fed damaged real files of its format (hypothesis): a document or a `ParseError` with a
contract code, nothing else escapes; no case over its time limit; bounded memory.

`make test` runs a fixed, bounded set of cases (derandomized, about a minute for all parsers). A deeper
run draws fresh cases and keeps failures in .hypothesis/ to replay them:

    PAM_FUZZ_EXAMPLES=3000 .venv/bin/pytest tests/ingest/fuzz -p no:randomly

There, the smallest failing file of each parser is also written to .hypothesis/pam-fuzz/NAME.bin.
"""

from __future__ import annotations

import gc
import os
import tracemalloc
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from tests.ingest.fuzz.bounds import Cost, measured
from tests.ingest.fuzz.mutations import damaged
from tests.ingest.fuzz.seeds import seeds

from pam.errors import ParseError
from pam.ingest.parsers import ParsedDocument, ParseLimits, default_parsers
from pam.ingest.parsers.base import Parser

# The parser contract (pam.ingest.parsers.base): a ParseError with one of these codes, or a document.
# Not `timeout`: a file of at most 256 KiB that reaches the parser's deadline is a slow path to fix.
ERROR_CODES = {"empty", "unsupported", "encrypted", "corrupt", "too_large", "bomb"}
LIMITS = ParseLimits(max_seconds=2.0)  # the cooperative deadline a parser must honour
# Per case: CPU time of the parsing thread (the parser's own cost, unaffected by whatever else the test
# process or the machine runs), and a wall-clock guard for hangs. Runaway cases took minutes.
CASE_SECONDS = 10.0
CASE_WALL_SECONDS = 120.0
CASE_PEAK_BYTES = 96 * 1024 * 1024  # Python allocations per case (inputs are at most 256 KiB)
MARKER = "zqxfuzz"  # in every file name: no message may echo it
REGISTRY = default_parsers(LIMITS)
ZIPPED = (".docx", ".xlsx")

DEEP = int(os.environ.get("PAM_FUZZ_EXAMPLES", "0"))
FAILURES = Path(".hypothesis") / "pam-fuzz"
FUZZ = settings(
    max_examples=DEEP or 40,
    derandomize=not DEEP,
    database=None if not DEEP else settings.default.database,
    deadline=None,  # the time limit is CASE_SECONDS, enforced by `measured`
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


@pytest.fixture(scope="module", autouse=True)
def _traced() -> Iterator[None]:
    # The bounds measure the parser, not the test session: in a full run the process holds everything
    # earlier tests built, and every full collection a parser's allocations trigger would walk it all
    # (cases ran 5x slower than alone). Frozen objects are left out of collections until unfrozen.
    gc.collect()
    gc.freeze()
    tracemalloc.start()
    yield
    tracemalloc.stop()
    gc.unfreeze()


def check_document(document: ParsedDocument) -> None:
    assert isinstance(document, ParsedDocument)
    for block in document.blocks:
        assert block.kind in ("heading", "text", "table", "code") and block.text.strip()
        assert block.level >= 1 if block.kind == "heading" else block.level == 0
    assert document.title and "/" not in document.title and "\\" not in document.title
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in document.title)
    assert isinstance(document.mime_type, str) and document.mime_type
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in document.metadata.items())


def parse_within_bounds(parser: Parser, data: bytes, filename: str) -> None:
    cost = Cost()
    try:
        document = measured(lambda: parser.parse(data, filename), cost, seconds=CASE_WALL_SECONDS)
    except ParseError as exc:
        assert exc.code in ERROR_CODES, exc.code
        assert exc.message and MARKER not in exc.message
    else:
        check_document(document)
    assert cost.cpu_seconds < CASE_SECONDS, cost
    assert cost.peak_bytes < CASE_PEAK_BYTES, cost


def test_every_parser_has_seed_files() -> None:
    covered = {type(REGISTRY.for_filename(name)) for name in seeds()}
    assert covered == {type(parser) for parser in REGISTRY.parsers()}


def test_the_seed_files_parse() -> None:
    for name, files in seeds().items():
        parser = REGISTRY.for_filename(name)
        assert parser is not None
        for data in files:
            check_document(parser.parse(data, f"{MARKER}-{name}"))


@pytest.mark.parametrize("name", sorted(seeds()))
@pytest.mark.timeout(0 if DEEP else 300)  # a deep run takes as long as its examples need
@FUZZ
# The same cases in every run of `make test`, whatever seed pytest-randomly picks (it reseeds hypothesis);
# fresh cases come from a deep run (PAM_FUZZ_EXAMPLES), which draws its own.
@(seed(20261207) if not DEEP else lambda test: test)
@given(case=st.data())
def test_a_damaged_file_is_a_document_or_a_parse_error(name: str, case: st.DataObject) -> None:
    everything = tuple(data for files in seeds().values() for data in files)
    data = case.draw(damaged(seeds()[name], everything, zipped=name.endswith(ZIPPED)), label="file")
    parser = REGISTRY.for_filename(name)
    assert parser is not None
    try:
        parse_within_bounds(parser, data, f"{MARKER}-{name}")
    except BaseException:
        if DEEP:  # the last failing case hypothesis runs is the smallest it found
            FAILURES.mkdir(parents=True, exist_ok=True)
            (FAILURES / f"{name}.bin").write_bytes(data)
        raise
