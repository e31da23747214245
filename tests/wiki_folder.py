"""A folder shaped like a real team wiki export: Markdown pages beside images, attachments, files
without an extension and empty pages. `EXPECTED` says what ingestion must report for each file.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

PAGES = {
    "Home.md": "# Team wiki\n\nStart here. The [onboarding page](engineering/Onboarding.md) lists first steps.\n",
    "engineering/Onboarding.md": (
        "# Onboarding\n\n![architecture](diagrams/architecture.png)\n\n"
        "New engineers pair with a buddy for the first two weeks and ship a fix in week one.\n"
    ),
    "engineering/Deploys.md": (
        "---\ntitle: Deploys\n---\n# Deploys\n\nProduction deploys run on weekdays before four in the "
        "afternoon; the deploy captain watches the saltmarsh dashboard afterwards.\n"
    ),
    "people/Holidays.md": "# Holidays\n\nThe office closes between the winter solstice and new year.\n",
    # Files without an extension that are text are read as plain text.
    "CODEOWNERS": "# Owners of the wiki\n/engineering/ @platform-team\n/people/ @people-ops\n",
    "engineering/NOTES": "Notes from the quarterly planning: the kestrel migration starts in May.\n",
}


def png(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG (what a screenshot or diagram export is)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    # Each row: filter type 0, then one RGB triple per pixel.
    rows = b"".join(b"\x00" + bytes([40 * y % 256, 90, 200]) * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


# A 1x1 GIF and the start of a JFIF JPEG: the bytes image files begin with.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + random.Random(5).randbytes(600)
    + b"\xff\xd9"
)
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n'
# An executable without an extension (an ELF header, then code and zero padding).
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + random.Random(6).randbytes(2000)


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("slides/deck.txt", "quarterly slides")
    return out.getvalue()


# Files PAM does not read: skipped with a reason code, never failed.
NOT_READ: dict[str, tuple[bytes | str, str]] = {
    "engineering/diagrams/architecture.png": (png(), "unsupported"),
    "engineering/diagrams/flow.svg": (SVG, "unsupported"),
    "people/photos/team.jpg": (JPEG, "unsupported"),
    "people/photos/logo.GIF": (GIF, "unsupported"),
    "attachments/export.zip": (zip_archive(), "unsupported"),
    "attachments/blob.bin": (random.Random(7).randbytes(1500), "unsupported"),
    "scripts/deploy": (ELF, "unsupported"),
    "drafts/Untitled.md": (b"", "empty"),
    "drafts/blank.txt": (b"  \n\t\n", "empty"),
    "drafts/placeholder": (b"", "empty"),
}


def write_wiki(folder: Path) -> None:
    for rel, content in {**PAGES, **{rel: data for rel, (data, _code) in NOT_READ.items()}}.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
