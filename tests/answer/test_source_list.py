"""An answer as plain text: its Sources list for people, and taking that list off again."""

from __future__ import annotations

from pam.answer.events import Citation
from pam.answer.source_list import append_sources, source_line, strip_sources
from pam.answer.strategy import HistoryTurn
from pam.services.chat import thread_key


def citation(number: int, **changes: object) -> Citation:
    fields: dict[str, object] = {
        "number": number,
        "segment_id": f"s{number}",
        "document_id": "d",
        "title": "Daily Active Users (DAU)",
        "section_path": "Daily Active Users (DAU) > Definition",
        "page": None,
        "uri": "metrics/dau.md",
        "quote": "A user is active when ...",
        "quote_start": 0,
        "quote_end": 10,
    }
    fields.update(changes)
    return Citation(**fields)  # type: ignore[arg-type]


def test_a_source_line_names_title_section_page_and_uri_once_each() -> None:
    assert source_line(citation(1)) == "[1] Daily Active Users (DAU) — Definition — metrics/dau.md"
    pdf = citation(2, title="Policy", section_path="Retention", page=4, uri="policies/p.pdf")
    assert source_line(pdf) == "[2] Policy — Retention (page 4) — policies/p.pdf"
    bare = citation(3, title="Notes", section_path="", uri=None)
    assert source_line(bare) == "[3] Notes"
    messy = citation(4, title="A\ntitle", section_path="A\ntitle > Part\tone")
    assert "\n" not in source_line(messy) and "\t" not in source_line(messy)


def test_sources_are_appended_under_the_answer_and_taken_off_again() -> None:
    answer = "Active means one core action [1], in the UTC day [2]."
    shown = append_sources(answer, [citation(1), citation(2, page=3)])
    assert shown.startswith(answer + "\n\nSources:\n[1] ") and shown.count("\n[") == 2
    assert strip_sources(shown) == answer
    assert append_sources(answer, []) == answer
    # Text that merely mentions sources is not ours to cut.
    for text in (answer, "See the Sources:\nsection below.", "x\n\nSources:\nnot a source line"):
        assert strip_sources(text) == text


def test_a_thread_key_ignores_the_sources_list_and_spacing_but_not_the_words() -> None:
    answer = "Active means one core action [1]."
    turns = [HistoryTurn("user", "What is active?"), HistoryTurn("assistant", answer)]
    shown = [
        HistoryTurn("user", "What is  active?\n"),
        HistoryTurn("assistant", append_sources(answer, [citation(1)])),
    ]
    assert thread_key(turns) == thread_key(shown)
    assert thread_key(turns) != thread_key(
        [turns[0], HistoryTurn("assistant", "Active means two actions [1].")]
    )
    assert thread_key(turns) != thread_key([HistoryTurn("assistant", "What is active?"), turns[1]])
