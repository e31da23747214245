"""The streaming marker rewriter: renumbering, invalid markers, chunk boundaries, quotes."""

from __future__ import annotations

import pytest

from pam.answer.citations import CitationStream, best_quote_span, resolve_citations
from pam.answer.events import CitationEvent, Token
from pam.answer.source_book import SourceBook
from pam.answer.sources import Passage
from pam.answer.text_terms import TermAnalyzer

ANALYZER = TermAnalyzer()


def passage(n: int, content: str | None = None) -> Passage:
    return Passage(
        segment_id=f"seg{n}",
        document_id=f"doc{n}",
        title=f"Doc {n}",
        uri=None,
        section_path="S",
        page=n,
        content=content or f"Intro sentence number {n}. Alpha beta gamma fact {n} here. Closing words.",
        score=1.0,
        project_id="A",
    )


def book(count: int = 5) -> SourceBook:
    sources = SourceBook()
    for n in range(1, count + 1):
        sources.add(passage(n))
    return sources


def run(
    chunks: list[str], sources: SourceBook | None = None
) -> tuple[str, list[CitationEvent], int, list[object]]:
    stream = CitationStream(sources or book(), ANALYZER)
    events: list[object] = []
    for chunk in chunks:
        events.extend(stream.feed(chunk))
    events.extend(stream.finish())
    text = "".join(e.text for e in events if isinstance(e, Token))
    assert text == stream.text
    return text, [e for e in events if isinstance(e, CitationEvent)], stream.invalid_count, events


@pytest.mark.parametrize(
    ("source", "expected", "invalid"),
    [
        ("A [3]. B [1].", "A [1]. B [2].", 0),
        ("A [3][1]. B [3].", "A [1][2]. B [1].", 0),
        ("A [3, 1]. B [1;3].", "A [1][2]. B [2][1].", 0),
        ("A [2-4].", "A [1][2][3].", 0),
        ("A [2–3].", "A [1][2].", 0),
        ("A [9].", "A.", 1),
        ("A [9] and B [2].", "A and B [1].", 1),
        ("A [2, 9, 0].", "A [1].", 2),
        ("A [4-2].", "A.", 1),
        ("A [1-500].", "A.", 1),
        ("Keep [see below] and [x] and a[b].", "Keep [see below] and [x] and a[b].", 0),
        ("Array [1 2] stays.", "Array [1 2] stays.", 0),
        ("Unclosed [1", "Unclosed [1", 0),
        ("[2] leads.", "[1] leads.", 0),
        ("Same [2][2] [2,2].", "Same [1][1] [1].", 0),
    ],
)
def test_rewrites_markers(source: str, expected: str, invalid: int) -> None:
    text, _, count, _ = run([source])
    assert text == expected
    assert count == invalid


@pytest.mark.parametrize(
    "source", ["A fact [3]. Then [1, 2] and [9] done [2-3].", "x [1] y [12] z [ 2 ]  [3"]
)
def test_any_chunking_gives_the_same_result(source: str) -> None:
    whole = run([source])
    for size in (1, 2, 3, 5):
        chunks = [source[i : i + size] for i in range(0, len(source), size)]
        split = run(chunks)
        assert split[0] == whole[0]
        assert [c.citation for c in split[1]] == [c.citation for c in whole[1]]
        assert split[2] == whole[2]


def test_citations_come_in_order_of_first_use_before_their_marker_token() -> None:
    text, cited, _, events = run(["Gamma fact 4 here [4]. ", "Alpha fact 2 [2]. Again [4]."])
    assert text == "Gamma fact 4 here [1]. Alpha fact 2 [2]. Again [1]."
    assert [(c.citation.number, c.citation.segment_id) for c in cited] == [(1, "seg4"), (2, "seg2")]
    for citation_event in cited:
        marker = f"[{citation_event.citation.number}]"
        token_index = next(i for i, e in enumerate(events) if isinstance(e, Token) and marker in e.text)
        assert events.index(citation_event) < token_index


def test_quote_is_the_sentence_supporting_the_claim_with_offsets() -> None:
    content = "Billing runs monthly. Refunds are issued within 14 days of the request. Contact support."
    sources = SourceBook()
    sources.add(passage(1, content))
    _, cited, _, _ = run(["Customers get refunds within 14 days [1]."], sources)
    citation = cited[0].citation
    assert citation.quote == "Refunds are issued within 14 days of the request."
    assert content[citation.quote_start : citation.quote_end] == citation.quote
    assert (citation.document_id, citation.title, citation.page) == ("doc1", "Doc 1", 1)


def test_quote_uses_text_since_the_previous_marker() -> None:
    content = "Refunds take 14 days. Exchanges take 30 days."
    sources = SourceBook()
    sources.add(passage(1, "Other words entirely about refunds take."))
    sources.add(passage(2, content))
    _, cited, _, _ = run(["Refunds take 14 days [1] while exchanges take 30 days [2]."], sources)
    assert cited[1].citation.quote == "Exchanges take 30 days."


def test_quote_falls_back_to_the_passage_start_without_overlap() -> None:
    content = "x" * 1000
    start, end = best_quote_span(ANALYZER, content, "nothing in common")
    assert (start, end) == (0, 600)


def test_resolve_citations_non_streaming() -> None:
    text, cited, invalid = resolve_citations("One [5]. Two [6].", book(), ANALYZER)
    assert text == "One [1]. Two."
    assert [c.segment_id for c in cited] == ["seg5"]
    assert invalid == 1


def test_source_book_numbers_each_segment_once() -> None:
    sources = SourceBook()
    assert sources.add(passage(1)) == 1
    assert sources.add(passage(2)) == 2
    assert sources.add(passage(1)) == 1
    assert len(sources) == 2
    assert sources.render(passage(2)).startswith("[2] Doc 2 > S (page 2): Intro sentence number 2.")
    long = sources.render(passage(3, "word " * 1000))
    assert long.endswith(" …") and len(long) < 2_100
