"""The committee's copies of plan attachments: sanitised, checked for identity, released.

An evaluator never receives a file as uploaded. At opening (or on first request, for a
tender opened before copies existed) every plan attachment of each received version
gets a derived copy, stored next to the untouched original with its own SHA-256:

1. Sanitised with pikepdf: document info rewritten, XMP metadata, JavaScript, open
   actions, embedded and associated files, forms, annotations, bookmarks and the
   structure tree (alternative texts) removed; written deterministically (the same
   original always gives the same copy).
2. Its text (pypdf) is searched for the bidder's identity (``identity``). A copy whose
   text names the bidder is held back: evaluators see that it is being checked, the
   inkoper sees the matches in context and either releases a redacted version (black
   boxes over every match, PyMuPDF redactions; the result is checked again) or
   withholds it with a reason. Each step is audited.

Evidence for requirements is read by the inkoper only and gets no copy.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import audit
from tender.accounts.models import Organisation, User
from tender.bids import uploads
from tender.bids.models import Bid
from tender.bids.submitted import SubmittedBid, SubmittedFile, stored_file, submitted_version
from tender.errors import DomainError
from tender.evaluation.identity import IdentityMatcher, identity_of
from tender.evaluation.models import AttachmentCopy
from tender.tenders.models import Tender

CLEAN = "schoon"
HELD = "achtergehouden"
RELEASED = "vrijgegeven"
WITHHELD = "geweigerd"

MIN_REASON = 20
PRODUCER = "tender: kopie voor de beoordelingscommissie"
# Entries of the document catalogue and pages that carry scripts, attached or embedded
# files, forms, metadata, bookmarks or hidden text (structure tree: alt and actual text).
_CATALOGUE_KEYS = (
    "/Metadata",
    "/Names",
    "/OpenAction",
    "/AA",
    "/AcroForm",
    "/AF",
    "/Outlines",
    "/PieceInfo",
    "/StructTreeRoot",
    "/MarkInfo",
    "/SpiderInfo",
    "/URI",
)
_PAGE_KEYS = ("/Annots", "/AA", "/AF", "/Metadata", "/PieceInfo", "/StructParents", "/Thumb")
# Text extraction or PDF structure problems that a malformed upload can cause.
_PDF_ERRORS = (pikepdf.PdfError, pypdf.errors.PyPdfError, ValueError, KeyError, RuntimeError)


class AttachmentError(DomainError):
    pass


@dataclass(frozen=True)
class Finding:
    """One place in an attachment that names the bidder, with the words around it."""

    page: int
    kind: str
    before: str
    text: str
    after: str

    def as_json(self) -> dict[str, Any]:
        return {
            "pagina": self.page,
            "soort": self.kind,
            "voor": self.before,
            "tekst": self.text,
            "na": self.after,
        }


def finding_of(data: dict[str, Any]) -> Finding:
    return Finding(
        page=data["pagina"],
        kind=data["soort"],
        before=data["voor"],
        text=data["tekst"],
        after=data["na"],
    )


# -- the PDF work (pure: bytes in, bytes out) --------------------------------------------


def sanitise(content: bytes) -> bytes:
    """A copy of the PDF without metadata, scripts, embedded files, forms or annotations."""
    with pikepdf.open(io.BytesIO(content)) as pdf:
        root = pdf.Root
        for key in _CATALOGUE_KEYS:
            if key in root:
                del root[key]
        for page in pdf.pages:
            for key in _PAGE_KEYS:
                if key in page.obj:
                    del page.obj[key]
        pdf.docinfo = pdf.make_indirect(pikepdf.Dictionary(Producer=pikepdf.String(PRODUCER)))
        pdf.remove_unreferenced_resources()
        output = io.BytesIO()
        pdf.save(output, deterministic_id=True, compress_streams=True)
    return output.getvalue()


def page_texts(content: bytes) -> list[str]:
    """The text of each page, as a PDF reader extracts it."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return [page.extract_text() or "" for page in reader.pages]


def find_identity(content: bytes, matcher: IdentityMatcher) -> list[Finding]:
    """Every place in the PDF's text that names the bidder, page by page."""
    findings = []
    for number, text in enumerate(page_texts(content), start=1):
        for match in matcher.find(text):
            before, found, after = match.context(text)
            findings.append(
                Finding(
                    page=number,
                    kind=match.kind,
                    before=" ".join(before.split()),
                    text=found,
                    after=" ".join(after.split()),
                )
            )
    return findings


def _search_terms(text: str) -> Iterator[str]:
    """What to look for on the page: the match, then its lines and words on their own
    (a match may run over a line break, which the page's text layer splits)."""
    yield text
    for line in text.splitlines():
        if line.strip() and line.strip() != text:
            yield line.strip()
    for word in text.split():
        if len(word) >= 2:
            yield word


def redact(content: bytes, matcher: IdentityMatcher) -> bytes:
    """The sanitised PDF with black boxes over every place that names the bidder.

    The result is searched again; if anything still names the bidder the redaction is
    refused rather than released.
    """
    # Imported here: PyMuPDF costs every process that imports this module over a
    # second and ~130 MiB (e.g. the workers that lay out award documents), and only
    # redaction needs it.
    import pymupdf

    document = pymupdf.open(stream=content, filetype="pdf")
    try:
        for page in document:
            for match in matcher.find(page.get_text()):
                for term in _search_terms(match.text):
                    areas = page.search_for(term)
                    for area in areas:
                        page.add_redact_annot(area, fill=(0, 0, 0))
                    if areas and term == match.text:
                        break
            page.apply_redactions()
        redacted = document.tobytes(garbage=4, deflate=True)
    finally:
        document.close()
    result = sanitise(redacted)
    if find_identity(result, matcher):
        raise AttachmentError(
            "De zwarte balken dekken niet alle vermeldingen van de inschrijver af; "
            "geef deze bijlage niet vrij maar weiger haar met een reden."
        )
    return result


# -- the stored copies ---------------------------------------------------------------------


def matcher_for(version: SubmittedBid, organisation: Organisation) -> IdentityMatcher:
    """What names this bidder: its details as submitted and as registered."""
    return IdentityMatcher(identity_of([version.organisation, organisation]))


def _record(
    session: Session,
    *,
    action: str,
    copy: AttachmentCopy,
    actor: User | None,
    now: datetime,
    **details: Any,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="bid",
        object_id=copy.bid_id,
        tender_id=copy.bid.tender_id,
        now=now,
        details={"bijlage": copy.id, "sha256_origineel": copy.source_sha256, **details},
    )


def make_copy(
    session: Session,
    *,
    bid: Bid,
    version: SubmittedBid,
    file: SubmittedFile,
    uploads_dir: Path,
    actor: User | None,
    now: datetime,
) -> AttachmentCopy:
    """The committee's copy of one attachment, made once and kept (see the module docstring)."""
    existing = session.scalar(
        select(AttachmentCopy).where(
            AttachmentCopy.bid_id == bid.id, AttachmentCopy.source_sha256 == file.sha256
        )
    )
    if existing is not None:
        return existing
    original = stored_file(session, version, file)
    if original is None:
        raise AttachmentError("De bijlage ontbreekt in de opslag.")
    content = uploads.read(
        uploads_dir,
        original.stored_name,
        file.sha256,
        label="de bijlage zoals ontvangen bij deze inschrijving",
        object_type="bid",
        object_id=bid.id,
        tender_id=bid.tender_id,
    )
    copy = AttachmentCopy(bid=bid, source_sha256=file.sha256, created_at=now, reason="")
    try:
        cleaned = sanitise(content)
        findings = find_identity(cleaned, matcher_for(version, bid.organisation))
    except _PDF_ERRORS:
        # A file that cannot be read cannot be checked: it waits for the inkoper.
        copy.status = HELD
        copy.findings = []
    else:
        stored = uploads.store(uploads_dir, cleaned, "geschoond.pdf")
        copy.sanitised_name = stored.stored_name
        copy.sanitised_sha256 = stored.sha256
        copy.findings = [f.as_json() for f in findings]
        copy.status = HELD if findings else CLEAN
    session.add(copy)
    session.flush()
    _record(
        session,
        action="attachment.sanitised",
        copy=copy,
        actor=actor,
        now=now,
        sha256_kopie=copy.sanitised_sha256,
        status=copy.status,
        vermeldingen=len(copy.findings),
    )
    return copy


def prepare_copies(
    session: Session,
    *,
    tender: Tender,
    bids: list[Bid],
    uploads_dir: Path,
    actor: User | None,
    now: datetime,
) -> list[AttachmentCopy]:
    """Copies of every plan attachment of the received versions (at opening)."""
    copies = []
    for bid in bids:
        version = submitted_version(bid)
        if version is None or bid.tender_id != tender.id:
            continue
        for plan in version.plans.values():
            if plan.attachment is not None:
                copies.append(
                    make_copy(
                        session,
                        bid=bid,
                        version=version,
                        file=plan.attachment,
                        uploads_dir=uploads_dir,
                        actor=actor,
                        now=now,
                    )
                )
    return copies


def copies_of(session: Session, tender: Tender) -> list[AttachmentCopy]:
    """Every copy of the tender's attachments, by bid and then by creation."""
    return list(
        session.scalars(
            select(AttachmentCopy)
            .join(AttachmentCopy.bid)
            .where(Bid.tender_id == tender.id)
            .order_by(Bid.blind_number, AttachmentCopy.id)
        )
    )


def committee_file(copy: AttachmentCopy) -> tuple[str, str] | None:
    """(stored name, SHA-256) of what an evaluator may download, or None (held back)."""
    if copy.status == CLEAN and copy.sanitised_name and copy.sanitised_sha256:
        return copy.sanitised_name, copy.sanitised_sha256
    if copy.status == RELEASED and copy.redacted_name and copy.redacted_sha256:
        return copy.redacted_name, copy.redacted_sha256
    return None


def read_copy(uploads_dir: Path, copy: AttachmentCopy, stored_name: str, sha256: str) -> bytes:
    """A stored file of ``copy`` (sanitised or redacted), checked against its digest."""
    return uploads.read(
        uploads_dir,
        stored_name,
        sha256,
        label=f"de kopie voor de commissie van een bijlage bij {copy.bid.blind_code.lower()}",
        object_type="bid",
        object_id=copy.bid_id,
        tender_id=copy.bid.tender_id,
    )


def _pending(copy: AttachmentCopy) -> None:
    if copy.status != HELD:
        raise AttachmentError("Over deze bijlage is al besloten.")
    if copy.sanitised_name is None or copy.sanitised_sha256 is None:
        raise AttachmentError(
            "Deze bijlage kon niet worden gelezen en dus niet worden onkenbaar gemaakt; "
            "weiger haar met een reden."
        )


def redacted_preview(
    session: Session, *, copy: AttachmentCopy, uploads_dir: Path, actor: User, now: datetime
) -> bytes:
    """The redacted version the inkoper would release, not stored (audited as a preview)."""
    _pending(copy)
    content = _redacted(copy, uploads_dir)
    _record(session, action="attachment.preview", copy=copy, actor=actor, now=now)
    return content


def _redacted(copy: AttachmentCopy, uploads_dir: Path) -> bytes:
    assert copy.sanitised_name and copy.sanitised_sha256
    version = submitted_version(copy.bid)
    if version is None:
        raise AttachmentError("Deze inschrijving telt niet mee.")
    sanitised = read_copy(uploads_dir, copy, copy.sanitised_name, copy.sanitised_sha256)
    return redact(sanitised, matcher_for(version, copy.bid.organisation))


def release(
    session: Session, *, copy: AttachmentCopy, uploads_dir: Path, actor: User, now: datetime
) -> AttachmentCopy:
    """Release the redacted version to the committee; it is stored with its own digest."""
    _pending(copy)
    stored = uploads.store(uploads_dir, _redacted(copy, uploads_dir), "geredigeerd.pdf")
    copy.redacted_name = stored.stored_name
    copy.redacted_sha256 = stored.sha256
    copy.status = RELEASED
    copy.decided_by_id = actor.id
    copy.decided_at = now
    session.flush()
    _record(
        session,
        action="attachment.released",
        copy=copy,
        actor=actor,
        now=now,
        sha256_geredigeerd=stored.sha256,
        vermeldingen=len(copy.findings),
    )
    return copy


def withhold(
    session: Session, *, copy: AttachmentCopy, reason: str, actor: User, now: datetime
) -> AttachmentCopy:
    """Keep the attachment from the committee for good, with a reason."""
    if copy.status != HELD:
        raise AttachmentError("Over deze bijlage is al besloten.")
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise AttachmentError(
            f"Geef aan waarom de bijlage wordt geweigerd (minstens {MIN_REASON} tekens, "
            f"nu {len(reason)})."
        )
    copy.status = WITHHELD
    copy.reason = reason
    copy.decided_by_id = actor.id
    copy.decided_at = now
    session.flush()
    _record(session, action="attachment.withheld", copy=copy, actor=actor, now=now, reden=reason)
    return copy


def committee_statuses(
    session: Session, *, bid: Bid, version: SubmittedBid, uploads_dir: Path, now: datetime
) -> dict[str, str]:
    """The status of each plan attachment's copy, by criterion code (made if still missing)."""
    return {
        code: make_copy(
            session,
            bid=bid,
            version=version,
            file=plan.attachment,
            uploads_dir=uploads_dir,
            actor=None,
            now=now,
        ).status
        for code, plan in version.plans.items()
        if plan.attachment is not None
    }


def committee_content(
    session: Session,
    *,
    bid: Bid,
    version: SubmittedBid,
    file: SubmittedFile,
    uploads_dir: Path,
    now: datetime,
) -> bytes | None:
    """What an evaluator may download of this attachment (never the original), or None."""
    copy = make_copy(
        session,
        bid=bid,
        version=version,
        file=file,
        uploads_dir=uploads_dir,
        actor=None,
        now=now,
    )
    available = committee_file(copy)
    return read_copy(uploads_dir, copy, *available) if available else None
