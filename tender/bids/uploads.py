"""Uploaded PDFs: checked by content, stored under random names with their SHA-256.

The original file name is kept only as a label; the file on disk is named by
random hex, so no name a user chooses can reach the file system.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tender.errors import DomainError

PDF_MAGIC = b"%PDF-"
# PDF readers accept a header within the first KiB and an end marker near the end.
HEADER_WINDOW = 1024
TRAILER_WINDOW = 2048
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class UploadRefused(DomainError):
    pass


@dataclass(frozen=True)
class StoredFile:
    original_filename: str
    stored_name: str
    size_bytes: int
    sha256: str


def uploads_dir(instance_path: str) -> Path:
    path = Path(instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def checked_filename(filename: str) -> str:
    """The file name as a label, or refusal when it tries to name a path."""
    name = (filename or "").strip()
    if not name:
        raise UploadRefused("Het bestand heeft geen naam. Kies het bestand opnieuw.")
    if "/" in name or "\\" in name or ".." in name or _CONTROL_CHARACTERS.search(name):
        raise UploadRefused(
            f"De bestandsnaam '{_CONTROL_CHARACTERS.sub('', name)[:80]}' is niet toegestaan: "
            "gebruik een naam zonder mappen, '..', '/' of '\\'."
        )
    if len(name) > 200:
        raise UploadRefused("De bestandsnaam is langer dan 200 tekens. Kies een kortere naam.")
    return name


def is_pdf(content: bytes) -> bool:
    """Whether the bytes are a PDF document (header and end-of-file marker)."""
    return PDF_MAGIC in content[:HEADER_WINDOW] and b"%%EOF" in content[-TRAILER_WINDOW:]


def check_pdf(filename: str, content: bytes, *, max_bytes: int) -> str:
    """Validate an upload; return the label to store. Dutch refusal otherwise."""
    name = checked_filename(filename)
    if len(content) > max_bytes:
        raise UploadRefused(
            f"'{name}' is {len(content) / 1_048_576:.1f} MB; "
            f"een bijlage mag maximaal {max_bytes / 1_048_576:.0f} MB zijn."
        )
    if not content:
        raise UploadRefused(f"'{name}' is leeg.")
    if not is_pdf(content):
        raise UploadRefused(
            f"'{name}' is geen PDF-bestand. Alleen PDF is toegestaan; "
            "sla het document op als PDF en upload het opnieuw."
        )
    return name


def store(directory: Path, content: bytes, original_filename: str) -> StoredFile:
    """Write the bytes atomically under a new random name."""
    stored_name = secrets.token_hex(16)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, directory / stored_name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return StoredFile(
        original_filename=original_filename,
        stored_name=stored_name,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def read(directory: Path, stored_name: str) -> bytes:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise UploadRefused("Onbekende bijlage.")
    return (directory / stored_name).read_bytes()
