from __future__ import annotations

import pytest

from pam.errors import ParseError
from pam.ingest.parsers import Block, HtmlParser

PAGE = b"""<!DOCTYPE html>
<html><head><title>Tracking plan &amp; events</title><style>body { color: red }</style>
<script>var secret = "do not index";</script></head>
<body>
<nav><a href="/">Home</a> <a href="/docs">Docs</a></nav>
<h1>Events</h1>
<p>Every event has a <em>name</em> and
   properties.<br>Second line.</p>
<h3>Signup</h3>
<table>
  <thead><tr><th>Property</th><th>Type</th></tr></thead>
  <tbody><tr><td>plan</td><td>string</td></tr><tr><td>seats</td><td>int</td></tr></tbody>
</table>
<pre><code>track("signup", {plan: "pro"})
  .send()</code></pre>
<ul><li>One</li><li>Two</li></ul>
<!-- a comment that is not content -->
<noscript>Enable JS</noscript>
</body></html>"""


def test_structure_and_noise_removal() -> None:
    document = HtmlParser().parse(PAGE, "plan.html")
    assert document.title == "Tracking plan & events"
    assert document.blocks == [
        Block("heading", "Events", level=1),
        Block("text", "Every event has a name and properties.\nSecond line."),
        Block("heading", "Signup", level=3),
        Block("table", "Property | Type\nplan | string\nseats | int"),
        Block("code", 'track("signup", {plan: "pro"})\n  .send()'),
        Block("text", "- One"),
        Block("text", "- Two"),
    ]
    text = " ".join(b.text for b in document.blocks)
    assert "secret" not in text and "Home" not in text and "color" not in text and "Enable JS" not in text


def test_title_falls_back_to_h1_then_file_stem() -> None:
    assert HtmlParser().parse(b"<h1>Main <i>title</i></h1><p>x</p>", "a.html").title == "Main title"
    assert HtmlParser().parse(b"<h2>Sub</h2><p>x</p>", "dir/page.htm").title == "page"


def test_nested_table_stays_inside_its_cell() -> None:
    data = b"<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td><table><tr><td>inner</td></tr></table></td></tr></table>"
    document = HtmlParser().parse(data, "t.html")
    assert document.blocks == [Block("table", "A | B\n1 | inner")]


def test_only_scripts_is_empty() -> None:
    with pytest.raises(ParseError) as info:
        HtmlParser().parse(
            b"<html><head><script>x()</script></head><body><nav>menu</nav></body></html>", "s.html"
        )
    assert info.value.code == "empty"


def test_flat_reading_of_deep_markup_keeps_title_and_paragraphs() -> None:
    data = (
        b"<title>Deep &amp; wide</title><script>skip()</script>"
        + b"<div>" * 2000
        + b"<p>one</p><p>two &lt;3</p>"
    )
    document = HtmlParser().parse(data, "d.html")
    assert document.title == "Deep & wide"
    assert [b.text for b in document.blocks] == ["one", "two <3"]
    assert document.metadata["structure"].startswith("flattened")
