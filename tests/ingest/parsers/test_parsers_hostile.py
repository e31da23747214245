"""Hostile and broken inputs: each becomes a `ParseError` with the right code, or a sane document."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable

import pytest

from pam.errors import ParseError
from pam.ingest.parsers import (
    CsvParser,
    DocxParser,
    HtmlParser,
    JsonParser,
    MarkdownParser,
    ParseLimits,
    PdfParser,
    TextParser,
    XlsxParser,
    default_parsers,
)

MIB = 1024 * 1024


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(ParseError) as info:
        call()
    return info.value.code


def _with_member(container: bytes, name: str, size: int) -> bytes:
    """`container` plus a member of `size` zero bytes, deflated (about 1000:1)."""
    out = io.BytesIO(container)
    with (
        zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        chunk = bytes(MIB)
        for _ in range(size // MIB):
            member.write(chunk)
    return out.getvalue()


def test_empty_file_is_empty() -> None:
    registry = default_parsers()
    for name in ("notes.md", "notes.txt", "page.html", "data.csv", "data.json"):
        for blank in (b"", b" \n\t\r\n "):
            with pytest.raises(ParseError) as info:
                registry.parse(blank, name)
            assert info.value.code == "empty"


def test_random_bytes_named_pdf_are_corrupt() -> None:
    data = random.Random(7).randbytes(20_000)
    with pytest.raises(ParseError) as info:
        PdfParser().parse(data, "/home/ada/private/report.pdf")
    assert info.value.code == "corrupt"
    assert "/home" not in info.value.message and "report" not in info.value.message


def test_truncated_pdf_is_corrupt(make_pdf: Callable[..., bytes]) -> None:
    data = make_pdf(["Some text that will be cut off."])
    assert _code(lambda: PdfParser().parse(data[: len(data) // 3], "cut.pdf")) == "corrupt"


def test_encrypted_pdf_is_encrypted(make_pdf: Callable[..., bytes]) -> None:
    data = make_pdf(["Board minutes: confidential."], user_password="letmein")
    assert _code(lambda: PdfParser().parse(data, "minutes.pdf")) == "encrypted"


def test_pdf_with_only_an_owner_password_is_read(make_pdf: Callable[..., bytes]) -> None:
    # An empty user password means anyone may open it; only editing is restricted.
    data = make_pdf(["Public pricing sheet."], user_password="")
    document = PdfParser().parse(data, "pricing.pdf")
    assert "Public pricing sheet." in document.blocks[0].text


def test_pdf_without_text_layer_is_empty(make_pdf: Callable[..., bytes]) -> None:
    assert _code(lambda: PdfParser().parse(make_pdf(["", ""]), "scan.pdf")) == "empty"


def test_pdf_page_count_is_bounded(make_pdf: Callable[..., bytes]) -> None:
    data = make_pdf(["one", "two", "three"])
    assert _code(lambda: PdfParser(ParseLimits(max_pdf_pages=2)).parse(data, "long.pdf")) == "too_large"


def test_docx_zip_bomb_by_compression_ratio(make_docx: Callable[[], bytes]) -> None:
    bomb = _with_member(make_docx(), "word/media/image1.bin", 48 * MIB)
    assert len(bomb) < 2 * MIB
    assert _code(lambda: DocxParser().parse(bomb, "bomb.docx")) == "bomb"


def test_docx_zip_bomb_by_total_size(make_docx: Callable[[], bytes]) -> None:
    limits = ParseLimits(max_zip_uncompressed=2 * MIB, max_zip_ratio=10**9)
    bomb = _with_member(make_docx(), "word/media/big.bin", 3 * MIB)
    assert _code(lambda: DocxParser(limits).parse(bomb, "big.docx")) == "bomb"


def test_docx_with_too_many_members_is_a_bomb(make_docx: Callable[[], bytes]) -> None:
    out = io.BytesIO(make_docx())
    with zipfile.ZipFile(out, "a") as archive:
        for i in range(60):
            archive.writestr(f"padding/part{i}.xml", "<a/>")
    limits = ParseLimits(max_zip_entries=50)
    assert _code(lambda: DocxParser(limits).parse(out.getvalue(), "many.docx")) == "bomb"


def test_xlsx_zip_bomb(make_xlsx: Callable[[], bytes]) -> None:
    bomb = _with_member(make_xlsx(), "xl/media/blob.bin", 48 * MIB)
    assert _code(lambda: XlsxParser().parse(bomb, "bomb.xlsx")) == "bomb"


def test_corrupt_zip_docx_is_corrupt(make_docx: Callable[[], bytes]) -> None:
    data = make_docx()
    assert _code(lambda: DocxParser().parse(data[: len(data) // 2], "cut.docx")) == "corrupt"
    assert _code(lambda: DocxParser().parse(b"PK\x03\x04 not really", "fake.docx")) == "corrupt"


def test_zip_that_is_not_a_docx_is_corrupt() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert _code(lambda: DocxParser().parse(out.getvalue(), "zip.docx")) == "corrupt"
    assert _code(lambda: XlsxParser().parse(out.getvalue(), "zip.xlsx")) == "corrupt"


def test_password_protected_office_file_is_encrypted() -> None:
    # Encrypted DOCX/XLSX are OLE compound files holding an "EncryptedPackage" stream.
    ole = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(500)
    )
    assert _code(lambda: DocxParser().parse(ole, "locked.docx")) == "encrypted"
    assert _code(lambda: XlsxParser().parse(ole, "locked.xlsx")) == "encrypted"
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000)
    assert _code(lambda: DocxParser().parse(legacy, "old.docx")) == "unsupported"


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("cp1252", "Le café de la façade coûte 5 € — déjà payé, «naïve» résumé. À bientôt, garçon!"),
        ("latin-1", "Grüße aus München: Straße, Übergröße, Käse und Brötchen für alle."),
        ("shift_jis", "東京都の売上レポートです。日本語のテキストを正しく読み込めるか確認します。"),
        ("cp1251", "Привет, это тестовый документ о выручке компании за квартал. Спасибо."),
    ],
)
def test_text_in_a_legacy_encoding_is_decoded(encoding: str, text: str) -> None:
    document = TextParser().parse(text.encode(encoding), "legacy.txt")
    assert document.blocks[0].text == text


def test_legacy_encoded_csv_keeps_its_words() -> None:
    data = "Stadt;Umsatz\nMünchen;1.000 €\nKöln;2.000 €\n".encode("cp1252")
    document = CsvParser().parse(data, "umsatz.csv")
    assert "München | 1.000 €" in document.blocks[0].text


def test_binary_named_txt_is_unsupported() -> None:
    data = b"\x7fELF\x02\x01\x01\x00" + random.Random(3).randbytes(4000)
    assert _code(lambda: TextParser().parse(data, "program.txt")) == "unsupported"


def test_html_nested_100k_deep_survives() -> None:
    data = b"<div>" * 100_000 + b"needle in the deep" + b"</div>" * 100_000
    document = HtmlParser().parse(data, "deep.html")
    assert [block.text for block in document.blocks] == ["needle in the deep"]


def test_html_nested_100k_deep_without_close_tags_survives() -> None:
    data = b"<title>Deep</title>" + b"<section><ul><li>" * 100_000 + b"bottom"
    document = HtmlParser().parse(data, "deep.html")
    assert document.title == "Deep"
    assert document.blocks[-1].text.endswith("bottom")


def test_html_tree_walk_is_not_recursive() -> None:
    # Spans build a 100k-deep tree cheaply; with the depth guard lifted the tree walk itself must cope.
    data = b"<span>" * 100_000 + b"deep text<h2>Below</h2>" + b"<b>" * 50_000 + b"bold"
    document = HtmlParser(ParseLimits(max_html_depth=10**6)).parse(data, "deep.html")
    assert [(b.kind, b.text) for b in document.blocks] == [
        ("text", "deep text"),
        ("heading", "Below"),
        ("text", "bold"),
    ]


def test_json_nested_100k_deep_is_corrupt() -> None:
    assert _code(lambda: JsonParser().parse(b"[" * 100_000 + b"]" * 100_000, "deep.json")) == "corrupt"


def test_markdown_nested_100k_deep_survives() -> None:
    data = b"> " * 100_000 + b"quoted\n\n" + b"- " * 50_000 + b"item\n\nafter"
    document = MarkdownParser().parse(data, "deep.md")
    assert document.blocks[-1].text == "after"


@pytest.mark.timeout(60)
def test_markdown_that_markdown_it_cannot_structure_in_time_is_read_as_paragraphs() -> None:
    # Found by the parser fuzz: ">>" lines between plain ones make markdown-it quadratic (this one,
    # 40k lines, keeps it busy for minutes). The words must still be read, within the file's deadline.
    data = b"# Quotes\n\n" + b">>\nplain words\n" * 20_000 + b"\nthe last paragraph"
    document = MarkdownParser(ParseLimits(max_seconds=2.0)).parse(data, "quotes.md")
    assert document.metadata["structure"] == "flattened: too slow to structure"
    assert document.blocks[-1].text == "the last paragraph"
    assert "plain words" in document.blocks[1].text


@pytest.mark.parametrize(
    "filename",
    [
        "Q3\x00 re\x1b[31mport\n.md",
        "/var/data/\u202etxt.exe\u202c report.md",
        "..\\..\\windows\\Q3\treport.md",
    ],
)
def test_filename_with_control_characters_gives_a_clean_title(filename: str) -> None:
    document = MarkdownParser().parse(b"no heading here, just words", filename)
    assert document.title
    assert all(ch.isprintable() for ch in document.title)
    assert "/" not in document.title and "\\" not in document.title
    assert "\u202e" not in document.title


def test_control_characters_in_content_title_are_removed() -> None:
    data = b"<title>Evil\x1b]0;pwned\x07 title</title><p>body</p>"
    document = HtmlParser().parse(data, "x.html")
    assert document.title == "Evil]0;pwned title"


def test_cooperative_deadline_gives_timeout(make_pdf: Callable[..., bytes]) -> None:
    expired = ParseLimits(max_seconds=-1.0)
    assert _code(lambda: PdfParser(expired).parse(make_pdf(["a", "b"]), "slow.pdf")) == "timeout"
    rows = b"a,b\n" + b"1,2\n" * 5000
    assert _code(lambda: CsvParser(expired).parse(rows, "slow.csv")) == "timeout"


def test_huge_csv_field_is_corrupt() -> None:
    data = b'a,b\n1,"' + b"x" * 200_000 + b'"\n'
    assert _code(lambda: CsvParser().parse(data, "field.csv")) == "corrupt"


@pytest.mark.parametrize(
    "markup",
    [
        b"<b><i><u><s>x</b>"
        * 50_000,  # closed formatting elements are reopened: the tree nests 3 deeper each time
        b"<select>" + b"<option>choice" * 50_000,  # lexbor's select handling is quadratic in options
        b"<rt>" * 50_000 + b"x",  # ruby text outside <ruby> has no implied end tag
    ],
)
def test_html_patterns_costly_to_build_are_read_flat(markup: bytes) -> None:
    document = HtmlParser().parse(markup, "soup.html")
    assert document.metadata["structure"].startswith("flattened")
    assert document.blocks
