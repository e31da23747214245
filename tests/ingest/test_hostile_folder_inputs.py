"""Hostile and broken files in one folder ingestion: each is a per-file error or handled; the rest is ingested.

One folder holds every case and is ingested once for the module; each test checks one file's outcome.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import pytest
import pytest_asyncio
from fpdf import FPDF
from tests.api.harness import Harness, assert_error_body, parse_sse, start_harness, write
from tests.deployments import DEPLOYMENTS, deployment

pytestmark = pytest.mark.asyncio(loop_scope="module")
MIB = 1024 * 1024
FILE_LIMIT = 512 * 1024
CONTROL_NAME = "ctrl\x07bell\x1b[31mred\ttab.md"
CP1252_TEXT = (
    "Le menu du café: crème brûlée, tarte flambée et thé glacé. "
    "Le pâtissier prépare la brûlée chaque matin à l'aube, façon grand-mère.\n"
)
SJIS_TEXT = (
    "東京 の 倉庫 は 月曜日 から 金曜日 まで 営業 します。 在庫 の 確認 は 毎朝 九時 に 行います。\n" * 3
)


@dataclass
class Ingested:
    api: Harness
    folder: Path
    outside: Path
    task: dict[str, Any]

    def item(self, path: str) -> dict[str, Any]:
        found = [i for i in self.task["items"] if i["path"] == path]
        assert len(found) == 1, (path, [i["path"] for i in self.task["items"]])
        return found[0]


def encrypted_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, "Salary bands for the vault team.")
    pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    return bytes(pdf.output())


def docx_bomb() -> bytes:
    document = docx.Document()
    document.add_paragraph("A perfectly normal report.")
    out = io.BytesIO()
    document.save(out)
    with (
        zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/image1.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(64):
            member.write(bytes(MIB))
    return out.getvalue()


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def ingested(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Ingested]:
    base = tmp_path_factory.mktemp("hostile")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\nThe launch code is zebrafishsecret.\n")
    async with (
        deployment(request.param, base / "data", request, max_file_bytes=FILE_LIMIT) as settings,
        start_harness(settings) as api,
    ):
        folder = api.folder("hostile")
        bomb = docx_bomb()
        assert len(bomb) < FILE_LIMIT  # it must reach the parser, not the size check
        write(
            folder,
            {
                "good.md": "# Harbour schedule\n\nThe harbour ferry leaves at seven every morning.\n",
                "good.txt": "Lighthouse maintenance happens every second Tuesday.\n",
                "empty.md": b"",
                "random.pdf": os.urandom(8192),
                "encrypted.pdf": encrypted_pdf(),
                "huge.txt": b"oversized line of text\n" * (FILE_LIMIT // 20),
                "bomb.docx": bomb,
                "legacy-cp1252.txt": CP1252_TEXT.encode("cp1252"),
                "legacy-sjis.txt": SJIS_TEXT.encode("shift_jis"),
                "nested.html": "<html><body>"
                + "<div>" * 20000
                + "<p>Deepnest marker paragraph about submarine cables.</p>"
                + "</div>" * 20000
                + "</body></html>",
                CONTROL_NAME: "# Control names\n\nA note about gondola lifts in winter.\n",
            },
        )
        (folder / "escape.md").symlink_to(outside / "secret.md")
        (folder / "sub").mkdir()
        (folder / "sub" / "escape-dir").symlink_to(outside, target_is_directory=True)
        task = await api.ingest(folder)
        yield Ingested(api, folder, outside, task)


async def test_the_task_completes_and_the_good_files_are_ingested(ingested: Ingested) -> None:
    task = ingested.task
    assert task["status"] == "completed"
    assert task["processed"] == task["total"] == task["items_total"]
    assert ingested.item("good.md")["stage"] == "done"
    assert ingested.item("good.txt")["stage"] == "done"
    assert "good.md" in await ingested.api.uris("harbour ferry seven", mode="keyword")
    assert "good.txt" in await ingested.api.uris("lighthouse maintenance", mode="keyword")


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("random.pdf", "corrupt"),
        ("encrypted.pdf", "encrypted"),
        ("huge.txt", "too_large"),
        ("bomb.docx", "bomb"),
        ("escape.md", "outside_root"),
    ],
)
async def test_broken_file_is_a_per_file_error_with_its_reason(
    ingested: Ingested, path: str, code: str
) -> None:
    item = ingested.item(path)
    assert (item["stage"], item["error_code"]) == ("failed", code)
    assert item["error"] and item["document_id"] is None
    assert path in {e["path"] for e in ingested.task["errors"]}


async def test_an_empty_file_is_skipped_with_its_reason_not_failed(ingested: Ingested) -> None:
    item = ingested.item("empty.md")
    assert (item["stage"], item["error_code"], item["document_id"]) == ("skipped", "empty", None)
    assert "empty.md" in {s["path"] for s in ingested.task["skips"]}
    assert "empty.md" not in {e["path"] for e in ingested.task["errors"]}


async def test_a_symlink_that_escapes_the_root_is_not_read(ingested: Ingested) -> None:
    for mode in ("keyword", "hybrid"):
        found = await ingested.api.search("zebrafishsecret launch code", mode=mode, k=50)
        assert all("zebrafishsecret" not in hit["snippet"] for hit in found["results"])
    # A symlinked directory is not followed at all.
    assert not [i for i in ingested.task["items"] if i["path"].startswith("sub/")]


@pytest.mark.parametrize(
    ("path", "query"),
    [("legacy-cp1252.txt", "brûlée"), ("legacy-sjis.txt", "倉庫")],
    ids=["cp1252", "shift-jis"],
)
async def test_legacy_encoded_text_is_ingested_and_found_by_its_non_ascii_word(
    ingested: Ingested, path: str, query: str
) -> None:
    assert ingested.item(path)["stage"] == "done"
    found = await ingested.api.search(query, mode="keyword")
    assert found["results"] and found["results"][0]["uri"] == path
    assert query in found["results"][0]["snippet"]


async def test_deeply_nested_html_is_handled(ingested: Ingested) -> None:
    item = ingested.item("nested.html")
    if item["stage"] == "failed":
        assert item["error_code"] in {"corrupt", "too_large", "timeout", "bomb"} and item["error"]
    else:
        assert item["stage"] == "done"
        assert "nested.html" in await ingested.api.uris("deepnest submarine cables", mode="keyword")


async def test_a_filename_with_control_characters_is_handled(ingested: Ingested) -> None:
    item = ingested.item(CONTROL_NAME)
    assert item["stage"] == "done"
    found = await ingested.api.search("gondola lifts winter", mode="keyword")
    assert found["results"][0]["document_id"] == item["document_id"]


async def test_a_path_outside_the_roots_is_403(ingested: Ingested) -> None:
    for path in (str(ingested.outside), "/etc", "/"):
        r = await ingested.api.client.post("/api/ingest/folder", json={"path": path})
        error = assert_error_body(r, 403, "forbidden")
        assert str(ingested.outside) not in error["message"]


@pytest.mark.parametrize("path", ["../outside", "hostile/../../outside", "./../..", "sub/.."])
async def test_a_relative_path_with_dotdot_is_403(ingested: Ingested, path: str) -> None:
    r = await ingested.api.client.post("/api/ingest/folder", json={"path": path})
    assert_error_body(r, 403, "forbidden")


async def test_a_path_with_a_nul_byte_is_rejected(ingested: Ingested) -> None:
    r = await ingested.api.client.post("/api/ingest/folder", json={"path": f"{ingested.folder}\x00/etc"})
    # The schema states it (no NUL in any text field), so the request is refused before the service.
    assert_error_body(r, 422, "invalid_input")


async def test_no_response_contains_an_absolute_server_path(ingested: Ingested) -> None:
    api = ingested.api
    task_id = ingested.task["id"]
    await api.client.get(f"/api/ingest/tasks/{task_id}")
    events = parse_sse((await api.client.get(f"/api/ingest/tasks/{task_id}/events")).text)
    assert events[-1][0] == "done"
    await api.client.get("/api/ingest/tasks")
    docs = (await api.client.get("/api/documents", params={"status": "all", "limit": 200})).json()
    for doc in docs["items"]:
        await api.client.get(f"/api/documents/{doc['id']}")
    await api.search("harbour ferry")
    await api.client.post("/api/chat", json={"message": "When does the harbour ferry leave?"})
    await api.client.get("/api/stats")
    await api.client.post("/api/ingest/folder", json={"path": str(ingested.outside)})
    await api.client.post("/api/ingest/folder", json={"path": str(ingested.folder / "missing")})

    assert api.bodies
    secret_roots = {str(ingested.folder.parent.parent), str(ingested.folder.resolve().parent.parent)}
    for body in api.bodies:
        for root in secret_roots:
            assert root not in body and root.replace("/", "\\/") not in body, body[:500]
