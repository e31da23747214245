"""Reading glossary entries from documents: the documented convention (docs/glossary.md), in the
formats people write glossaries in, and nothing outside a glossary section."""

from __future__ import annotations

from pam.ingest.glossary_convention import extract_glossary
from pam.ingest.parsers.docx import DocxParser
from pam.ingest.parsers.html import HtmlParser
from pam.ingest.parsers.markdown import MarkdownParser
from pam.store.glossary import term_key


def markdown(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    parsed = MarkdownParser().parse(text.encode(), "doc.md")
    return [(d.term, d.definition, d.aliases) for d in extract_glossary(parsed)]


def test_bold_entries_with_aliases_in_parentheses_under_a_glossary_heading() -> None:
    found = markdown(
        "# Handbook\n\nIntro: not an entry.\n\n## Glossary\n\n"
        "**DAU** (daily active users, daily actives) – Distinct active users in a UTC day.\n\n"
        "**Churn**: Customers who cancel.\n\n"
        "- **ARR** – Annual recurring revenue. Also: run rate.\n\n"
        "## Next section\n\n**Ignored** – outside the glossary.\n"
    )
    assert found == [
        ("DAU", "Distinct active users in a UTC day.", ("daily active users", "daily actives")),
        ("Churn", "Customers who cancel.", ()),
        ("ARR", "Annual recurring revenue. Also: run rate.", ("run rate",)),
    ]


def test_a_term_definition_aliases_table() -> None:
    found = markdown(
        "# Glossary\n\n| Term | Definition | Also known as |\n|---|---|---|\n"
        "| MRR | Monthly recurring revenue | monthly revenue; recurring revenue |\n"
        "| NPS | Net promoter score | |\n"
    )
    assert found == [
        ("MRR", "Monthly recurring revenue", ("monthly revenue", "recurring revenue")),
        ("NPS", "Net promoter score", ()),
    ]


def test_the_whole_document_is_a_glossary_when_its_title_says_so() -> None:
    found = markdown("# Data glossary\n\n## A\n\n**Activation** – A user who did the key action.\n")
    assert found == [("Activation", "A user who did the key action.", ())]


def test_sentences_with_colons_are_not_terms_and_other_documents_have_none() -> None:
    assert markdown("# Glossary\n\nPAM reads this page as the glossary: entries follow.\n") == []
    assert markdown("# Runbook\n\n**Step** – do this.\n\n| Term | Definition |\n|---|---|\n| X | Y |\n") == []


def test_html_and_docx_glossaries_follow_the_same_convention(tmp_path) -> None:  # type: ignore[no-untyped-def]
    html = b"<h1>Finance</h1><h2>Glossary</h2><p><b>EBITDA</b> (operating profit) - Earnings before interest.</p>"
    parsed = HtmlParser().parse(html, "finance.html")
    assert [(d.term, d.aliases) for d in extract_glossary(parsed)] == [("EBITDA", ("operating profit",))]
    import docx

    document = docx.Document()
    document.add_heading("Glossary", level=1)
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(
        table.rows[0].cells + table.rows[1].cells,
        ["Term", "Definition", "SLA", "Service level agreement"],
        strict=True,
    ):
        cell.text = text
    path = tmp_path / "g.docx"
    document.save(str(path))
    parsed = DocxParser().parse(path.read_bytes(), "g.docx")
    assert [(d.term, d.definition) for d in extract_glossary(parsed)] == [("SLA", "Service level agreement")]


def test_names_compare_without_case_quotes_or_extra_spaces() -> None:
    assert term_key("  `Daily   Active Users` ") == "daily active users"
    assert term_key("DAU") == term_key("dau")
