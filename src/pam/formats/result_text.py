"""Query results and values as short text, for tools, answers and the CLI."""

from __future__ import annotations

from collections.abc import Sequence

# One result cell as it crosses a border: JSON scalars only (dates, decimals and nested values become text).
Cell = str | int | float | bool | None


def format_value(value: Cell) -> str:
    """``111000.0`` -> ``111000``; ``22.25`` stays; None -> ``NULL``."""
    if value is None:
        return "NULL"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def render_rows(columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    lines = [" | ".join(columns)]
    lines.extend(" | ".join(format_value(v).replace("\n", " ") for v in row) for row in rows)
    return "\n".join(lines)
