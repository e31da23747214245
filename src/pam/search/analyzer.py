"""English text analysis shared by indexing, query building and snippet highlighting.

The query is never given to tantivy's query parser: it is run through the same analyzer as the indexed
text and turned into term queries, so no input can be read as query syntax. The highlighter uses the
same analyzer, so what is marked in a snippet is exactly what matched.

Analyzer choice (bench/engines_bench.py, SciFact test, nDCG@10): plain stemming 0.687, with Lucene's 33
English stop words 0.686, plus ASCII folding 0.686 - a tie on 300 queries. The default drops stop words
(their long posting lists are what makes OR queries slow at scale) and folds accents (so "resume" finds
"résumé", which SciFact cannot measure but business text needs).
"""

from __future__ import annotations

import html
from enum import StrEnum

import tantivy

# Longer tokens are base64, hashes or garbage; tantivy's own en_stem uses the same limit.
MAX_TOKEN_CHARS = 40
# A query longer than this many distinct terms is cut: BM25 over thousands of terms is slow and no
# better, and hostile inputs (10,000 characters) must stay cheap.
MAX_QUERY_TERMS = 64
# Highlighting scans at most this much of a segment; segments are chunk-sized, so this is a guard.
MAX_SNIPPET_SCAN_CHARS = 100_000


class AnalyzerName(StrEnum):
    EN_STEM = "pam_en_stem"
    EN_STEM_STOP = "pam_en_stem_stop"
    EN_STEM_STOP_FOLD = "pam_en_stem_stop_fold"


DEFAULT_ANALYZER = AnalyzerName.EN_STEM_STOP_FOLD


def build_analyzer(name: AnalyzerName) -> tantivy.TextAnalyzer:
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    builder = builder.filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS)).filter(tantivy.Filter.lowercase())
    if name is AnalyzerName.EN_STEM_STOP_FOLD:
        builder = builder.filter(tantivy.Filter.ascii_fold())
    if name in (AnalyzerName.EN_STEM_STOP, AnalyzerName.EN_STEM_STOP_FOLD):
        builder = builder.filter(tantivy.Filter.stopword("english"))
    return builder.filter(tantivy.Filter.stemmer("english")).build()


def clean_text(text: str) -> str:
    """Make any Python str safe to hand to tantivy (lone surrogates cannot be encoded as UTF-8)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def query_terms(analyzer: tantivy.TextAnalyzer, query: str) -> list[str]:
    """Distinct analyzed terms of a user query, in first-seen order, at most ``MAX_QUERY_TERMS``."""
    seen: dict[str, None] = {}
    for term in analyzer.analyze(clean_text(query)):
        seen.setdefault(term, None)
        if len(seen) >= MAX_QUERY_TERMS:
            break
    return list(seen)


def highlight(analyzer: tantivy.TextAnalyzer, query: str, text: str, max_chars: int = 240) -> str:
    """An HTML-safe snippet of ``text`` around the densest run of query terms, each wrapped in <mark>.

    All text is escaped; only the <mark> tags we add are markup. Without any match the snippet is the
    start of the text.
    """
    text = clean_text(text[:MAX_SNIPPET_SCAN_CHARS])
    wanted = set(query_terms(analyzer, query))
    spans: list[tuple[int, int, str]] = []
    if wanted:
        spans = [
            (tok.char_offset_from, tok.char_offset_to, tok.text)
            for tok in analyzer.pre_tokenize(text).tokens
            if tok.text in wanted
        ]
    start, end = _best_window(spans, len(text), max_chars)
    parts: list[str] = ["…"] if start > 0 else []
    cursor = start
    for span_from, span_to, _ in spans:
        if span_from < start or span_to > end:
            continue
        parts.append(html.escape(text[cursor:span_from]))
        parts.append("<mark>" + html.escape(text[span_from:span_to]) + "</mark>")
        cursor = span_to
    parts.append(html.escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)


def _best_window(spans: list[tuple[int, int, str]], length: int, max_chars: int) -> tuple[int, int]:
    """The [start, end) window of at most ``max_chars`` covering the most distinct matched terms."""
    if not spans or length <= max_chars:
        return 0, min(length, max_chars)
    best_first, best_score, lo = 0, -1, 0
    for hi in range(len(spans)):
        while spans[hi][1] - spans[lo][0] > max_chars:
            lo += 1
        score = len({term for _, _, term in spans[lo : hi + 1]}) * 1000 + (hi - lo)
        if score > best_score:
            best_first, best_score = lo, score
    # Start a little before the first match so it reads in context, but never past the text's end.
    start = max(0, min(spans[best_first][0] - max_chars // 6, length - max_chars))
    start = _word_start(spans, start)
    return start, min(length, start + max_chars)


def _word_start(spans: list[tuple[int, int, str]], start: int) -> int:
    # Never cut a highlighted term in half at the window's left edge.
    for span_from, span_to, _ in spans:
        if span_from < start < span_to:
            return span_from
    return start
