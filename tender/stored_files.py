"""Reading a stored file back: every upload, copy and generated document is checked.

The bytes come from the configured storage (``tender.storage``: the instance folder
or S3); ``path`` names the file's place in the instance folder either way.

Uploads (``tender.bids.uploads``), the committee's copies of attachments
(``tender.evaluation.attachments``) and generated documents (``tender.documents``)
are written under random names with their SHA-256 recorded in the database. Every
read goes through ``read_verified``: a file that is missing, unreadable or whose
content no longer has the recorded digest is refused with a ``StoredFileError``
that says which file it is (``label``, in Dutch, safe to show to whoever asked for
it) and where it should be (``path``, for the administrator). The web app answers
it with an error page and an audit event (``tender.downloads``); ``flask tender
verify`` lists every such file of a tender (``problems``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from tender import storage

MISSING = "ontbreekt"
CORRUPTED = "gewijzigd"

_STORED_NAME = re.compile(r"[0-9a-f]{32}")


class StoredFileError(Exception):
    """A stored file is missing or no longer matches the digest recorded for it.

    Not a ``DomainError``: nobody broke a rule, the storage did. Views that turn a
    domain error into a flash message must not swallow it; it reaches the one handler
    that answers with an error page and audits the failure.
    """

    def __init__(
        self,
        message: str,
        *,
        label: str,
        path: Path,
        problem: str,
        object_type: str | None = None,
        object_id: int | None = None,
        tender_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.label = label
        self.path = path
        self.problem = problem
        self.object_type = object_type
        self.object_id = object_id
        self.tender_id = tender_id


@dataclass(frozen=True)
class StoredFile:
    """Where a file is stored, its recorded digest and what it is (for messages)."""

    directory: Path
    stored_name: str
    sha256: str
    label: str  # e.g. "de bijlage ‘plan.pdf’", shown to the user who asked for it
    object_type: str | None = None
    object_id: int | None = None
    tender_id: int | None = None

    @property
    def path(self) -> Path:
        return self.directory / self.stored_name


def problem_of(path: Path, sha256: str) -> str | None:
    """``MISSING``, ``CORRUPTED`` or None (the file is there with the recorded digest)."""
    try:
        content = storage.current().get(path)
    except FileNotFoundError:
        return MISSING
    return None if hashlib.sha256(content).hexdigest() == sha256 else CORRUPTED


def message(label: str, problem: str) -> str:
    """The Dutch sentence for a file that cannot be served."""
    if problem == MISSING:
        what = f"{label[:1].upper()}{label[1:]} ontbreekt in de opslag van de applicatie."
    else:
        what = (
            f"{label[:1].upper()}{label[1:]} is na het opslaan gewijzigd of beschadigd: de "
            "inhoud komt niet meer overeen met de vastgelegde vingerafdruk (SHA-256)."
        )
    return (
        f"{what} Het bestand wordt daarom niet getoond. Meld dit bij de beheerder; die kan "
        "het bestand terugzetten uit de back-up en met ‘flask tender verify’ controleren. "
        "Maak het document niet opnieuw aan voordat is uitgezocht wat er is gebeurd."
    )


def read_verified(stored: StoredFile) -> bytes:
    """The bytes of ``stored``, checked against its recorded SHA-256.

    Raises ``StoredFileError`` when the file is missing or its content changed.
    """
    path = stored.path
    problem: str | None = None
    content = b""
    if not _STORED_NAME.fullmatch(stored.stored_name):
        problem = MISSING
    else:
        try:
            content = storage.current().get(path)
        except FileNotFoundError:
            problem = MISSING
        else:
            if hashlib.sha256(content).hexdigest() != stored.sha256:
                problem = CORRUPTED
    if problem is not None:
        raise StoredFileError(
            message(stored.label, problem),
            label=stored.label,
            path=path,
            problem=problem,
            object_type=stored.object_type,
            object_id=stored.object_id,
            tender_id=stored.tender_id,
        )
    return content
