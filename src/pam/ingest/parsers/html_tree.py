"""Iterative walks over a selectolax (lexbor) tree: no recursion, so depth never matters to Python."""

from __future__ import annotations

import re
from collections.abc import Callable

from selectolax.lexbor import LexborNode

from pam.ingest.parsers.html_strip import SKIPPED_TAGS

TEXT_TAG = "-text"
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def walk(root: LexborNode, enter: Callable[[LexborNode], bool], leave: Callable[[LexborNode], None]) -> None:
    """Depth-first over root's descendants. `enter` returns False to skip a node's children."""
    root_id = root.mem_id
    node = root.child
    while node is not None:
        if enter(node) and node.child is not None:
            node = node.child
            continue
        leave(node)
        while node.next is None:
            parent = node.parent
            if parent is None or parent.mem_id == root_id:
                return
            node = parent
            leave(node)
        node = node.next


def collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def flat_text(root: LexborNode) -> str:
    """Visible text under `root` on one line (for headings and table cells)."""
    parts: list[str] = []

    def enter(node: LexborNode) -> bool:
        tag = node.tag or ""
        if tag == TEXT_TAG:
            parts.append(node.text_content or "")
        elif tag in ("br", "td", "th", "p", "div", "li"):
            parts.append(" ")
        return tag not in SKIPPED_TAGS and not node.is_comment_node

    walk(root, enter, lambda _node: None)
    return collapse("".join(parts))


def table_rows(table: LexborNode) -> list[list[str]]:
    """Cell texts of `table`'s own rows; a nested table's text stays inside its cell."""
    rows: list[list[str]] = []

    def enter(node: LexborNode) -> bool:
        tag = node.tag or ""
        if tag == "tr":
            cell = node.child
            cells: list[str] = []
            while cell is not None:
                if cell.tag in ("td", "th"):
                    cells.append(flat_text(cell))
                cell = cell.next
            rows.append(cells)
            return False
        return tag not in ("table", TEXT_TAG) and tag not in SKIPPED_TAGS

    walk(table, enter, lambda _node: None)
    return rows
