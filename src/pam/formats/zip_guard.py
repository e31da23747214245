"""Checks on Office Open XML containers (DOCX, XLSX) made before anything is inflated.

The limits are judged on the sizes the zip's central directory declares. That is sound because
`zipfile` never inflates a member past its declared size (a member that lies fails its CRC check
instead), so the declared total bounds the work the libraries reading the container can do.
"""

from __future__ import annotations

import io
import zipfile

from pam.errors import ParseError
from pam.formats.limits import ParseLimits

# Encrypted Office files are OLE compound files holding an "EncryptedPackage" stream.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def check_office_container(data: bytes, limits: ParseLimits, *, kind: str) -> None:
    """Raise `encrypted`, `unsupported`, `corrupt` or `bomb` unless `data` is a zip safe to open."""
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise ParseError(f"{kind} file is password protected", code="encrypted")
        raise ParseError(f"legacy binary Office file, not {kind}", code="unsupported")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ParseError(f"not a valid {kind} file (damaged zip container)", code="corrupt") from exc
    check_zip_members(infos, limits)


def check_zip_members(infos: list[zipfile.ZipInfo], limits: ParseLimits) -> None:
    if len(infos) > limits.max_zip_entries:
        raise ParseError(f"zip container has more than {limits.max_zip_entries} members", code="bomb")
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_zip_uncompressed:
            raise ParseError(
                f"zip container would expand beyond {limits.max_zip_uncompressed} bytes", code="bomb"
            )
        if info.file_size > limits.zip_ratio_min_size:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_zip_ratio:
                raise ParseError(
                    f"zip member compressed {ratio:.0f}:1, above the {limits.max_zip_ratio}:1 limit",
                    code="bomb",
                )
