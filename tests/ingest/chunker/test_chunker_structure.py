"""Chunker rules, with cheap counters (the model's tokenizer is tested in test_chunker_minilm.py)."""

from __future__ import annotations

import hashlib
import itertools
import random

import pytest

from pam.embed.fake import DeterministicEmbedder
from pam.ingest.chunker import Chunk, StructureChunker, block_starts, chunk_hash, extracted_text
from pam.ingest.parsers.base import Block, ParsedDocument


def words(text: str) -> int:
    return len(text.split())


def doc(*blocks: Block) -> ParsedDocument:
    return ParsedDocument(title="t", blocks=list(blocks), mime_type="text/markdown")


def sentence(i: int, n: int = 9) -> str:
    return "Sentence " + " ".join(f"w{i}x{j}" for j in range(n - 2)) + " end."


def paragraph(first: int, count: int, n: int = 9) -> str:
    return " ".join(sentence(i, n) for i in range(first, first + count))


def h(text: str, level: int) -> Block:
    return Block("heading", text, level)


def t(text: str, page: int | None = None) -> Block:
    return Block("text", text, page=page)


def chunker(max_tokens: int = 60, target: int = 40, overlap: int = 10) -> StructureChunker:
    return StructureChunker(words, max_tokens, target_tokens=target, overlap_tokens=overlap)


def check_offsets(document: ParsedDocument, chunks: list[Chunk]) -> None:
    text = extracted_text(document.blocks)
    for c in chunks:
        span = text[c.char_start : c.char_end]
        assert c.content == span or (c.segment_type == "table" and c.content.endswith("\n" + span))


def test_extracted_text_and_block_starts_agree() -> None:
    blocks = [h("Title", 1), t("one"), t(""), Block("code", "x = 1")]
    text = extracted_text(blocks)
    assert text == "Title\n\none\n\n\n\nx = 1"
    for block, start in zip(blocks, block_starts(blocks), strict=True):
        assert text[start : start + len(block.text)] == block.text


def test_headings_build_the_section_path_and_are_not_content() -> None:
    d = doc(
        t("Preamble text."),
        h("Guide", 1),
        t("Guide intro."),
        h("Install", 2),
        t("Install text."),
        h("Linux", 3),
        t("Linux text."),
        h("Configure", 2),
        t("Configure text."),
        h("Appendix", 1),
        t("Appendix text."),
    )
    chunks = chunker().chunk(d)
    assert [(c.section_path, c.content) for c in chunks] == [
        ("", "Preamble text."),
        ("Guide", "Guide intro."),
        ("Guide > Install", "Install text."),
        ("Guide > Install > Linux", "Linux text."),
        ("Guide > Configure", "Configure text."),
        ("Appendix", "Appendix text."),
    ]
    check_offsets(d, chunks)


def test_a_heading_starts_a_new_chunk_even_when_both_would_fit() -> None:
    chunks = chunker().chunk(doc(t("a b c."), h("Next", 2), t("d e f.")))
    assert [c.content for c in chunks] == ["a b c.", "d e f."]


def test_short_paragraphs_of_a_section_are_packed_together() -> None:
    d = doc(h("S", 1), t("One two three."), t("Four five six."), t("Seven eight."))
    (only,) = chunker().chunk(d)
    assert only.content == "One two three.\n\nFour five six.\n\nSeven eight."
    assert only.token_count == 8
    check_offsets(d, [only])


def test_long_paragraph_splits_at_sentence_boundaries_with_even_parts_and_overlap() -> None:
    d = doc(h("S", 1), t(paragraph(0, 10)))  # 10 sentences of 9 words: 90 words, target 40
    chunks = chunker(max_tokens=60, target=40, overlap=10).chunk(d)
    check_offsets(d, chunks)
    assert len(chunks) == 3
    text = extracted_text(d.blocks)
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.char_start < prev.char_end  # overlap
        assert prev.content.endswith("end.")
        new_part = text[prev.char_end : nxt.char_end].strip()
        assert new_part.startswith("Sentence")  # the new part begins on a sentence boundary
    assert all(c.token_count <= 60 for c in chunks)
    ends = [chunks[0].char_start] + [c.char_end for c in chunks]
    cores = [words(text[a:b]) for a, b in itertools.pairwise(ends)]
    assert sum(cores) == 90
    assert max(cores) - min(cores) <= 9  # even parts: no scrap left at the end


def test_overlap_takes_trailing_words_when_no_sentence_fits() -> None:
    d = doc(t(paragraph(0, 4, n=30)))  # sentences of 30 words, overlap budget 10
    chunks = chunker(max_tokens=80, target=60, overlap=10).chunk(d)
    assert len(chunks) == 2
    overlap = extracted_text(d.blocks)[chunks[1].char_start : chunks[0].char_end]
    assert 0 < words(overlap) <= 10
    assert chunks[1].token_count <= 80


def test_no_overlap_across_sections_or_into_tables_and_code() -> None:
    d = doc(
        h("A", 1),
        t(paragraph(0, 6)),
        h("B", 1),
        t(paragraph(10, 6)),
        Block("code", "x = 1"),
        t(paragraph(20, 1)),
    )
    chunks = chunker().chunk(d)
    boundaries = 0
    for prev, nxt in itertools.pairwise(chunks):
        same_text_section = (
            prev.section_path == nxt.section_path and prev.segment_type == nxt.segment_type == "text"
        )
        if same_text_section:
            assert nxt.char_start < prev.char_end
        else:
            boundaries += 1
            assert nxt.char_start >= prev.char_end
    assert boundaries == 3  # A -> B, B text -> code, code -> B text


def test_overlap_never_repeats_a_whole_previous_chunk() -> None:
    d = doc(t("Tiny."), t(paragraph(0, 6)))
    chunks = chunker(max_tokens=60, target=40, overlap=10).chunk(d)
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.char_start > prev.char_start


def test_small_table_stays_whole() -> None:
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |"
    d = doc(h("T", 1), Block("table", table))
    (only,) = chunker().chunk(d)
    assert (only.segment_type, only.content, only.section_path) == ("table", table, "T")


def test_big_table_splits_between_rows_and_repeats_the_header() -> None:
    header = "| id | name | note |\n|----|------|------|"
    rows = [f"| {i} | row {i} | some note for row {i} |" for i in range(40)]
    d = doc(Block("table", header + "\n" + "\n".join(rows)))
    chunks = chunker(max_tokens=60, target=40).chunk(d)
    assert len(chunks) > 1
    check_offsets(d, chunks)
    seen: list[str] = []
    for c in chunks:
        assert c.segment_type == "table" and c.token_count <= 60
        lines = c.content.split("\n")
        assert "\n".join(lines[:2]) == header
        assert all(line in rows for line in lines[2:])  # whole rows only
        seen += lines[2:]
    assert seen == rows  # each row once, in order


def test_big_code_block_splits_between_lines() -> None:
    lines = ["def handler(event):"] + [f"    value_{i} = compute(event, {i})  # step {i}" for i in range(60)]
    code = "\n".join(lines)
    d = doc(h("Code", 2), Block("code", code))
    chunks = chunker(max_tokens=60, target=40).chunk(d)
    assert len(chunks) > 1
    check_offsets(d, chunks)
    rebuilt: list[str] = []
    for c in chunks:
        assert c.segment_type == "code" and c.token_count <= 60
        rebuilt += c.content.split("\n")
    assert rebuilt == lines  # whole lines, indentation kept, nothing repeated or lost


def test_small_code_block_stays_whole_with_indentation() -> None:
    code = "    indented = True\n    return indented"
    (only,) = chunker().chunk(doc(Block("code", "\n" + code + "\n\n")))
    assert only.content == code


def test_a_single_line_longer_than_the_limit_is_split_at_words() -> None:
    long_line = " ".join(f"tok{i}" for i in range(200))
    d = doc(t(long_line), Block("code", long_line), Block("table", "| h |\n" + long_line))
    chunks = chunker(max_tokens=60, target=40).chunk(d)
    assert all(c.token_count <= 60 for c in chunks)
    assert {c.segment_type for c in chunks} == {"text", "code", "table"}
    check_offsets(d, chunks)


def test_a_giant_word_is_split_by_characters_under_a_character_counter() -> None:
    def chars(text: str) -> int:
        return len(text)

    d = doc(t("x" * 1000 + " tail"))
    chunks = StructureChunker(chars, 100, target_tokens=80, overlap_tokens=0).chunk(d)
    assert len(chunks) > 10
    assert all(c.token_count == chars(c.content) <= 100 for c in chunks)
    assert "".join(c.content for c in chunks).replace(" ", "") == "x" * 1000 + "tail"


def test_never_exceeds_the_limit_even_when_counts_do_not_add_up() -> None:
    def expensive_joins(text: str) -> int:  # whitespace costs tokens: pieces undercount their join
        return len(text.split()) + text.count(" ") + 3 * text.count("\n")

    rng = random.Random(7)
    blocks = [
        t(" ".join(sentence(rng.randrange(99), rng.randrange(3, 30)) for _ in range(rng.randrange(1, 12))))
        for _ in range(20)
    ]
    d = doc(h("S", 1), *blocks, Block("table", "| a |\n" + "\n".join(f"| {i} x y z |" for i in range(50))))
    chunks = StructureChunker(expensive_joins, 70, target_tokens=60, overlap_tokens=15).chunk(d)
    assert chunks
    for c in chunks:
        assert c.token_count == expensive_joins(c.content) <= 70
    check_offsets(d, chunks)


def test_random_documents_respect_every_bound() -> None:
    rng = random.Random(11)
    counter = DeterministicEmbedder(max_tokens=50)
    ch = StructureChunker.for_embedder(counter, target_tokens=35, overlap_tokens=8)
    assert ch.counts_add_up
    for _ in range(30):
        blocks: list[Block] = []
        for _ in range(rng.randrange(1, 25)):
            kind = rng.choice(["heading", "text", "text", "text", "table", "code"])
            body = "\n".join(
                paragraph(rng.randrange(99), rng.randrange(1, 5), rng.randrange(3, 40))
                for _ in range(rng.randrange(1, 4))
            )
            blocks.append(
                Block(kind, body if kind != "heading" else f"H{rng.randrange(9)}", rng.randrange(1, 4))
            )
        d = doc(*blocks)
        chunks = ch.chunk(d)
        check_offsets(d, chunks)
        for c in chunks:
            assert 0 < c.token_count == counter.count_tokens(c.content) <= 50


def test_pages_come_from_the_first_block_of_the_chunk() -> None:
    d = doc(t("Page one text.", page=1), t("Page two text.", page=2), h("Later", 1), t("More.", page=3))
    chunks = chunker().chunk(d)
    assert [(c.content, c.page) for c in chunks] == [("Page one text.\n\nPage two text.", 1), ("More.", 3)]


@pytest.mark.parametrize(
    "blocks",
    [
        [],
        [t("")],
        [t("   \n\n\t ")],
        [h("Only a heading", 1)],
        [Block("table", "\n \n")],
        [Block("code", "")],
    ],
)
def test_empty_input_gives_no_chunks(blocks: list[Block]) -> None:
    assert chunker().chunk(doc(*blocks)) == []


def test_identical_input_gives_identical_chunks_and_hashes() -> None:
    d = doc(h("A", 1), t(paragraph(0, 12)), Block("table", "| a |\n| 1 |"), h("B", 2), t(paragraph(50, 3)))
    first = chunker().chunk(d)
    assert first == chunker().chunk(d) == chunker().chunk(doc(*d.blocks))
    for c in first:
        assert c.content_hash == chunk_hash(c.content, c.section_path)
        assert c.content_hash == hashlib.sha256(f"{c.content}\x00{c.section_path}".encode()).hexdigest()


def test_editing_one_section_keeps_the_other_sections_hashes() -> None:
    before = doc(
        h("A", 1), t(paragraph(0, 12)), h("B", 1), t(paragraph(50, 12)), h("C", 1), t(paragraph(90, 5))
    )
    after = doc(
        h("A", 1),
        t(paragraph(0, 12)),
        h("B", 1),
        t(paragraph(50, 12) + " Added."),
        h("C", 1),
        t(paragraph(90, 5)),
    )
    old = {c.content_hash for c in chunker().chunk(before) if c.section_path != "B"}
    new = {c.content_hash for c in chunker().chunk(after) if c.section_path != "B"}
    assert old == new and old


def test_same_text_in_another_section_hashes_differently() -> None:
    a, b = chunker().chunk(doc(h("A", 1), t("Same."), h("B", 1), t("Same.")))
    assert a.content == b.content and a.content_hash != b.content_hash


def test_hostile_text_is_chunked() -> None:
    d = doc(
        h("\ud800 bad \x00 heading", 1), t("lone \ud800 surrogate. Next \x00 sentence."), t("\u200b" * 50)
    )
    chunks = chunker().chunk(d)
    assert chunks[0].section_path == "\ud800 bad \x00 heading"
    assert len(chunks[0].content_hash) == 64


@pytest.mark.parametrize(
    ("args", "kwargs"), [((0,), {}), ((10,), {"target_tokens": 0}), ((10,), {"overlap_tokens": -1})]
)
def test_rejects_bad_settings(args: tuple[int], kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        StructureChunker(words, *args, **kwargs)


def test_target_and_overlap_are_clamped_to_the_limit() -> None:
    ch = StructureChunker(words, 20, target_tokens=200, overlap_tokens=30)
    assert (ch.target_tokens, ch.overlap_tokens) == (20, 10)


def test_a_megabyte_word_under_a_character_counter_is_split_quickly() -> None:
    def chars(text: str) -> int:
        return len(text)

    chunks = StructureChunker(chars, 250, overlap_tokens=0).chunk(doc(t("y" * 1_000_000)))
    assert len(chunks) == 4000
    assert {c.token_count for c in chunks} == {250}
