"""Generated documents are stored under a random name with their SHA-256, checked on read."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

import pytest
from factories import make_tender
from sqlalchemy.orm import Session

from tender.documents import service as documents
from tender.documents.models import Document
from tender.errors import DomainError
from tender.stored_files import StoredFileError

CONTENT = b"%PDF-1.4 ontvangstbevestiging \xe2\x82\xac \x00\xff" * 100
FILENAME = "Ontvangstbevestiging Zorgcoöperatie Ëiland.pdf"


@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    return documents.documents_dir(str(tmp_path / "instance"))


def _store(session: Session, storage_dir: Path, now: datetime, **changes: object) -> Document:
    tender = make_tender(session, now=now)
    arguments: dict[str, object] = {
        "storage_dir": storage_dir,
        "tender_id": tender.id,
        "kind": documents.RECEIPT,
        "filename": FILENAME,
        "build": lambda: CONTENT,
        "now": now,
    }
    arguments.update(changes)
    return documents.store_document(session, **arguments)  # type: ignore[arg-type]


def test_documents_dir_is_created_in_the_instance_folder(tmp_path: Path) -> None:
    path = documents.documents_dir(str(tmp_path / "instance"))
    assert path == tmp_path / "instance" / "documents"
    assert path.is_dir()
    assert documents.documents_dir(str(tmp_path / "instance")) == path


def test_store_and_read_round_trip_byte_for_byte(
    session: Session, storage_dir: Path, now: datetime
) -> None:
    document = _store(session, storage_dir, now)
    assert document.id is not None
    assert session.get(Document, document.id) is document
    assert documents.read_document(document, storage_dir=storage_dir) == CONTENT
    assert (storage_dir / document.stored_name).read_bytes() == CONTENT


def test_recorded_digest_and_size_are_those_of_the_content(
    session: Session, storage_dir: Path, now: datetime
) -> None:
    document = _store(session, storage_dir, now)
    assert document.sha256 == hashlib.sha256(CONTENT).hexdigest()
    assert document.size_bytes == len(CONTENT)
    assert document.kind == "receipt"
    assert document.filename == FILENAME
    assert document.created_at == now
    assert document.released_at is None


def test_stored_name_is_random_and_reveals_nothing_of_the_file_name(
    session: Session, storage_dir: Path, now: datetime
) -> None:
    first = _store(session, storage_dir, now)
    second = documents.store_document(
        session,
        storage_dir=storage_dir,
        tender_id=first.tender_id,
        kind=documents.RECEIPT,
        filename=FILENAME,
        build=lambda: CONTENT,
        now=now,
    )
    assert first.stored_name != second.stored_name
    for name in (first.stored_name, second.stored_name):
        assert re.fullmatch(r"[0-9a-f]{32}", name)
        for part in re.findall(r"\w{3,}", FILENAME.lower()):
            assert part not in name
    # Written atomically: only the two documents are left, no temporary files.
    assert sorted(p.name for p in storage_dir.iterdir()) == sorted(
        [first.stored_name, second.stored_name]
    )


def test_tampered_document_is_refused(session: Session, storage_dir: Path, now: datetime) -> None:
    document = _store(session, storage_dir, now)
    path = storage_dir / document.stored_name
    path.write_bytes(CONTENT.replace(b"ontvangst", b"ONTVANGST", 1))
    with pytest.raises(documents.DocumentCorrupted, match="SHA-256") as raised:
        documents.read_document(document, storage_dir=storage_dir)
    # Not a DomainError: no view may turn it into a flash message (tender.stored_files).
    assert isinstance(raised.value, StoredFileError)
    assert not isinstance(raised.value, DomainError)
    assert FILENAME in str(raised.value)


def test_missing_document_is_refused(session: Session, storage_dir: Path, now: datetime) -> None:
    document = _store(session, storage_dir, now)
    (storage_dir / document.stored_name).unlink()
    with pytest.raises(documents.DocumentCorrupted, match="ontbreekt"):
        documents.read_document(document, storage_dir=storage_dir)


def test_unknown_kind_is_a_programming_error(
    session: Session, storage_dir: Path, now: datetime
) -> None:
    with pytest.raises(ValueError, match="unknown document kind"):
        _store(session, storage_dir, now, kind="brief")
    assert list(storage_dir.iterdir()) == []


def test_every_kind_is_known() -> None:
    assert documents.KINDS == (
        "receipt",
        "qa_nota",
        "opening_record",
        "award_letter",
        "award_report",
        "contract",
        "leidraad",
        "concept_contract",
        "planning",
    )
