"""A flat, linear-time reading of HTML for inputs a tree builder should not see.

Used for markup embedded in Markdown and for HTML nested too deeply to build a tree from
(lexbor's tree construction is quadratic in nesting depth). Every scan here is a single pass:
no regex backtracks past the next '<', so hostile input costs time proportional to its length.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

# A tag up to its '>' (or up to the next '<' when the '>' is missing), or a <!...>/<?...> construct.
TAG_RE = re.compile(r"<(?:(/?)([A-Za-z][A-Za-z0-9:-]*)|[!?])[^<>]*>?")
SKIPPED_TAGS = frozenset({"script", "style", "nav", "noscript", "template", "svg", "head", "title"})
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
# Elements whose end tag the HTML parser implies; unclosed runs of them do not nest.
IMPLIED_END_TAGS = frozenset(
    {"p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot"}
)
FORMATTING_TAGS = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"}
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "header", "footer", "aside", "ul", "ol", "li", "table",
     "tr", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "form", "hr",
     "figure", "figcaption", "details", "summary", "title", "body", "html"}
)  # fmt: skip
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def _without_comments(markup: str) -> str:
    parts: list[str] = []
    pos = 0
    while True:
        start = markup.find("<!--", pos)
        if start < 0:
            parts.append(markup[pos:])
            break
        parts.append(markup[pos:start])
        end = markup.find("-->", start + 4)
        if end < 0:
            break
        pos = end + 3
    return "".join(parts)


def nesting_depth(markup: str, stop_at: int) -> int:
    """Roughly how deep the element tree would be (stops counting at `stop_at`).

    An end tag closes the innermost open element of its name and everything opened after it, as
    the HTML parser does, except that formatting elements closed that way count as still open (the
    parser reopens them, which is how `<b><i>x</b>` repeated builds a deep tree). An end tag with no
    open element of its name is ignored. `<option>` runs count as depth too: lexbor's select
    handling is quadratic in the number of options.
    """
    stack: list[str] = []
    open_counts: dict[str, int] = {}
    deepest = options = 0
    for match in TAG_RE.finditer(markup):
        name = (match.group(2) or "").lower()
        if name in ("option", "optgroup") and not match.group(1):
            options += 1
            if options // 2 >= stop_at:
                return options // 2
        if not name or name in VOID_TAGS or name in IMPLIED_END_TAGS or match.group(0).endswith("/>"):
            continue
        if match.group(1):
            if open_counts.get(name, 0) > 0:
                reopened: list[str] = []
                while stack:
                    top = stack.pop()
                    open_counts[top] -= 1
                    if top == name:
                        break
                    if top in FORMATTING_TAGS:
                        reopened.append(top)
                for again in reversed(reopened):
                    stack.append(again)
                    open_counts[again] += 1
        else:
            stack.append(name)
            open_counts[name] = open_counts.get(name, 0) + 1
        if len(stack) > deepest:
            deepest = len(stack)
            if deepest >= stop_at:
                break
    return deepest


def strip_tags(markup: str) -> str:
    """Visible text, with block elements as paragraph breaks and <br> as line breaks."""
    markup = _without_comments(markup)
    out: list[str] = []
    skipping: str | None = None
    skip_depth = 0
    pos = 0
    for match in TAG_RE.finditer(markup):
        if skipping is None:
            out.append(markup[pos : match.start()])
        pos = match.end()
        name = (match.group(2) or "").lower()
        if not name:
            continue
        closing = bool(match.group(1))
        if skipping is not None:
            if name == skipping:
                skip_depth += -1 if closing else 1
                if skip_depth == 0:
                    skipping = None
            continue
        if name in SKIPPED_TAGS and not closing and not match.group(0).endswith("/>"):
            skipping, skip_depth = name, 1
        elif name == "br":
            out.append("\n")
        elif name in _BLOCK_TAGS:
            out.append("\n\n")
        elif name in ("td", "th"):
            out.append(" ")
    if skipping is None:
        out.append(markup[pos:])
    return html.unescape("".join(out))


def text_paragraphs(markup: str) -> Iterator[str]:
    """`strip_tags` split at paragraph breaks, whitespace collapsed within lines."""
    for part in _BLANK_LINES.split(strip_tags(markup)):
        lines = (_SPACES.sub(" ", line).strip() for line in part.split("\n"))
        para = "\n".join(line for line in lines if line)
        if para:
            yield para
