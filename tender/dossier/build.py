"""Assembling a dossier: its scope, the index PDF, SHA256SUMS and a reproducible ZIP.

A dossier describes the tender as of its newest audit event that is not a mere
reading (``READING_ACTIONS``, ``dossier.*``): making or downloading a dossier, or
reading a bid, does not move it, so the next dossier of an unchanged tender is the
same one, byte for byte. Every PDF is rendered at that moment (``generated_at``)
under that event as its audit anchor; the ZIP's entries carry the same moment, in a
fixed order, with fixed attributes. The index lists every file with its page range in
one page numbering of the whole dossier and its SHA-256; ``SHA256SUMS`` lists the
same digests, and the index's own, for ``sha256sum -c``.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import audit, storage
from tender.accounts.models import User
from tender.audit import AuditAnchor, AuditEvent
from tender.award import jobs
from tender.award.models import AwardDecision, DecisionStatus, DocumentJob
from tender.bids.models import Bid
from tender.documents import pdf
from tender.documents.service import write_atomically
from tender.dossier.models import Dossier
from tender.dossier.parts import FOLDERS, DossierFile, Scope, Section
from tender.dossier.sections import SECTIONS
from tender.errors import DomainError
from tender.stored_files import StoredFile, read_verified
from tender.tenders.models import Tender
from tender.timefmt import format_datetime_seconds, to_local

# Audit events that record a reading, not a change: they do not move a dossier's moment.
READING_ACTIONS = frozenset(
    {
        "bid.view",
        "bid.access_refused",
        "scores.export",
        "attachment.preview",
        "stored_file.unavailable",
    }
)
DOSSIER_ACTIONS = "dossier."
MADE = "dossier.made"
DOWNLOADED = "dossier.download"
# A decision in one of these statuses has been taken: the dossier is no longer interim.
TAKEN = frozenset({DecisionStatus.DECIDED, DecisionStatus.SENT})
INDEX_NAME = "00-inhoudsopgave.pdf"
SUMS_NAME = "SHA256SUMS"
INDEX_TITLE = "Inhoudsopgave dossier"
INTERIM_BANNER = "TUSSENTIJDS DOSSIER — er is nog geen gunningsbeslissing"
# A DocumentJob's kind: the complete file, or "dossier-<bid id>" for a bidder's inzage.
FULL_KIND = "dossier"


class DossierError(DomainError):
    pass


def job_kind(bid_id: int | None) -> str:
    return FULL_KIND if bid_id is None else f"{FULL_KIND}-{bid_id}"


def interim(session: Session, tender: Tender) -> bool:
    """No award decision has been taken (or the one taken was withdrawn)."""
    taken = session.scalar(
        select(AwardDecision.id)
        .where(AwardDecision.tender_id == tender.id, AwardDecision.status.in_(TAKEN))
        .limit(1)
    )
    return taken is None


def scope_for(session: Session, tender: Tender, bid: Bid | None = None) -> Scope:
    """The scope of the complete file (``bid`` None) or of ``bid``'s inzage, as of the
    tender's newest audit event that changed something."""
    if bid is not None and bid.tender_id != tender.id:
        raise DossierError("Deze inschrijving hoort niet bij deze aanbesteding.")
    event = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.tender_id == tender.id,
            AuditEvent.action.not_like(f"{DOSSIER_ACTIONS}%"),
            AuditEvent.action.not_in(READING_ACTIONS),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        raise DossierError("Er is van deze aanbesteding nog niets vastgelegd in het logboek.")
    return Scope(
        tender_id=tender.id,
        bid_id=bid.id if bid is not None else None,
        audit_seq=event.id,
        audit_hash=event.hash,
        as_of=event.occurred_at,
        interim=interim(session, tender),
    )


def render_section(section: Section, session: Session, scope: Scope) -> list[DossierFile]:
    """A section's files, its PDFs rendered at the dossier's moment and anchor."""
    with pdf.generated_at(scope.as_of), pdf.audit_footer(_anchor(scope)):
        return section(session, scope)


def _anchor(scope: Scope) -> AuditAnchor:
    return AuditAnchor(event_id=scope.audit_seq, hash=scope.audit_hash)


def safe_name(name: str) -> str:
    """A file name in the ZIP: ASCII letters, digits and ``._()-`` only."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = re.sub(r"[^A-Za-z0-9._()-]+", "_", ascii_name).strip("._") or "bestand"
    return safe


@dataclass(frozen=True)
class Entry:
    """One file of the dossier as the index lists it."""

    path: str  # "<folder>/<name>" in the ZIP
    title: str
    content: bytes
    pages: int | None  # None: not a PDF

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def entries(files: list[DossierFile]) -> list[Entry]:
    """The files in folder order (a section's own order within a folder), named safely."""
    ordered = sorted(files, key=lambda file: FOLDERS.index(file.folder))
    seen: set[str] = set()
    result = []
    for file in ordered:
        path = f"{file.folder}/{safe_name(file.name)}"
        if path in seen:
            raise ValueError(f"two dossier files at {path}")
        seen.add(path)
        result.append(Entry(path, file.title, file.content, page_count(file)))
    return result


def page_count(file: DossierFile) -> int | None:
    if not file.name.lower().endswith(".pdf"):
        return None
    return len(PdfReader(io.BytesIO(file.content)).pages)


@dataclass(frozen=True)
class Heading:
    """What the index says about the dossier itself."""

    reference: str
    title: str
    authority: str
    region: str
    audience: str  # "volledig" or "inzage voor <bidder>"


def heading(session: Session, scope: Scope) -> Heading:
    tender = session.get(Tender, scope.tender_id)
    assert tender is not None
    audience = "volledig dossier (aanbestedende dienst en rechter)"
    if not scope.full:
        bid = session.get(Bid, scope.bid_id)
        assert bid is not None
        organisation = bid.organisation
        audience = f"inzagedossier voor {organisation.name} (KvK {organisation.kvk_number})"
    return Heading(
        tender.reference, tender.title, tender.contracting_authority, tender.region, audience
    )


def index_pdf(head: Heading, scope: Scope, items: list[Entry]) -> bytes:
    """The index, its own pages first in the dossier's one page numbering: rendered
    again until the number of its own pages no longer changes."""
    own_pages = 1
    for _attempt in range(5):
        with pdf.generated_at(scope.as_of), pdf.audit_footer(_anchor(scope)):
            content = pdf.render(
                _index_story(head, scope, items, own_pages),
                title=INDEX_TITLE,
                authority=head.authority,
                region=head.region,
                reference=head.reference,
            )
        pages = len(PdfReader(io.BytesIO(content)).pages)
        if pages == own_pages:
            return content
        own_pages = pages
    raise RuntimeError("the index's page count does not settle")


def page_ranges(items: list[Entry], own_pages: int) -> list[tuple[int, int] | None]:
    """Each file's first and last page in the dossier's numbering (None: not a PDF)."""
    ranges: list[tuple[int, int] | None] = []
    next_page = own_pages + 1
    for item in items:
        if item.pages is None:
            ranges.append(None)
            continue
        ranges.append((next_page, next_page + item.pages - 1))
        next_page += item.pages
    return ranges


def _index_story(head: Heading, scope: Scope, items: list[Entry], own_pages: int) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph(INDEX_TITLE, pdf.TITLE),
        Paragraph(pdf.markup(f"{head.title} – kenmerk {head.reference}"), pdf.SUBTITLE),
    ]
    if scope.interim:
        story.append(Paragraph(INTERIM_BANNER, pdf.NOTICE))
    story.append(
        pdf.facts_table(
            [
                ("Aanbesteding", f"{head.title} ({head.reference})"),
                ("Aanbestedende dienst", head.authority),
                ("Dossier", head.audience),
                ("Stand per", f"{format_datetime_seconds(scope.as_of)} (Nederlandse tijd)"),
                ("Logboek t/m gebeurtenis", str(scope.audit_seq)),
                ("Hash van die gebeurtenis", Paragraph(scope.audit_hash, pdf.MONO_SMALL)),
                ("Bestanden", str(len(items))),
            ],
            label_width=52 * mm,
        )
    )
    story.append(
        Paragraph(
            "Het dossier beschrijft de aanbesteding zoals die was na de genoemde gebeurtenis "
            "in het logboek. De pagina's van alle PDF-bestanden zijn doorlopend genummerd, "
            "te beginnen met deze inhoudsopgave; elk bestand staat hieronder met zijn "
            "vingerafdruk (SHA-256). Het bestand SHA256SUMS bevat dezelfde vingerafdrukken "
            "en die van deze inhoudsopgave, te controleren met ‘sha256sum -c SHA256SUMS’.",
            pdf.BODY,
        )
    )
    ranges = page_ranges(items, own_pages)
    rows: list[list[Flowable]] = []
    for number, (item, pages) in enumerate(zip(items, ranges, strict=True), start=1):
        span = (
            "—"
            if pages is None
            else (f"{pages[0]}" if pages[0] == pages[1] else f"{pages[0]}–{pages[1]}")
        )
        rows.append(
            [
                Paragraph(str(number), pdf.TABLE_TEXT),
                [
                    Paragraph(pdf.markup(item.title), pdf.TABLE_TEXT),
                    Paragraph(pdf.markup(item.path), pdf.SMALL),
                    Paragraph(item.sha256, pdf.MONO_SMALL),
                ],
                Paragraph("—" if item.pages is None else str(item.pages), pdf.TABLE_TEXT),
                Paragraph(span, pdf.TABLE_TEXT),
            ]
        )
    story += pdf.section_heading("Inhoud")
    story.append(
        pdf.grid_table(
            ["Nr", "Bestand en SHA-256", "Pagina's", "Blz."],
            rows,
            [10 * mm, pdf.TEXT_WIDTH - 52 * mm, 18 * mm, 24 * mm],
        )
    )
    return story


def sha256sums(index: bytes, items: list[Entry]) -> bytes:
    lines = [f"{hashlib.sha256(index).hexdigest()}  {INDEX_NAME}"]
    lines += [f"{item.sha256}  {item.path}" for item in items]
    return ("\n".join(lines) + "\n").encode("ascii")


def archive(head: Heading, scope: Scope, files: list[DossierFile]) -> bytes:
    """The dossier as a ZIP; the same files at the same moment give the same bytes."""
    items = entries(files)
    index = index_pdf(head, scope, items)
    moment = to_local(scope.as_of)
    date_time = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for path, content in [
            (INDEX_NAME, index),
            (SUMS_NAME, sha256sums(index, items)),
            *((item.path, item.content) for item in items),
        ]:
            info = zipfile.ZipInfo(path, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the permissions below are read
            info.external_attr = 0o100644 << 16
            zipped.writestr(info, content, compresslevel=9)
    return buffer.getvalue()


def filename(session: Session, scope: Scope) -> str:
    tender = session.get(Tender, scope.tender_id)
    assert tender is not None
    stamp = f"{to_local(scope.as_of):%Y%m%d-%H%M%S}"
    if scope.interim:
        stamp += "-tussentijds"
    if scope.full:
        return safe_name(f"dossier-{tender.reference}-volledig-{stamp}.zip")
    bid = session.get(Bid, scope.bid_id)
    assert bid is not None
    return safe_name(f"inzagedossier-{tender.reference}-{bid.organisation.kvk_number}-{stamp}.zip")


def existing(session: Session, scope: Scope) -> Dossier | None:
    """The dossier already made for this tender, bidder and moment."""
    bid = Dossier.bid_id == scope.bid_id if scope.bid_id is not None else Dossier.bid_id.is_(None)
    return session.scalar(
        select(Dossier).where(
            Dossier.tender_id == scope.tender_id, bid, Dossier.audit_seq == scope.audit_seq
        )
    )


def store(
    session: Session,
    *,
    scope: Scope,
    content: bytes,
    storage_dir: Path,
    actor: User | None,
    now: datetime,
) -> Dossier:
    """Write the ZIP under a random name, record it and audit ``dossier.made``."""
    stored_name = secrets.token_hex(16)
    path = storage_dir / stored_name
    write_atomically(path, content)
    dossier = Dossier(
        tender_id=scope.tender_id,
        bid_id=scope.bid_id,
        audit_seq=scope.audit_seq,
        audit_hash=scope.audit_hash,
        as_of=scope.as_of,
        interim=scope.interim,
        filename=filename(session, scope),
        stored_name=stored_name,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        made_at=now,
        made_by_id=actor.id if actor is not None else None,
    )
    session.add(dossier)
    try:
        session.flush()
    except BaseException:
        storage.current().delete(path)
        raise
    audit.record(
        session,
        actor=actor,
        action=MADE,
        object_type="dossier",
        object_id=dossier.id,
        tender_id=scope.tender_id,
        now=now,
        details={
            "soort": "volledig" if scope.full else "inzage",
            "inschrijving": scope.bid_id,
            "logboek_tot": scope.audit_seq,
            "sha256": dossier.sha256,
        },
    )
    return dossier


def plan(
    scope: Scope, *, storage_dir: Path, actor_id: int | None
) -> tuple[jobs.Steps, jobs.Finisher]:
    """One step per section; the finisher writes the ZIP and records it (once)."""
    files: list[DossierFile] = []

    def step_of(section: Section) -> Callable[[Session], None]:
        def step(session: Session) -> None:
            files.extend(render_section(section, session, scope))

        return step

    def finish(session: Session, now: datetime) -> None:
        if existing(session, scope) is not None:
            return
        content = archive(heading(session, scope), scope, files)
        actor = session.get(User, actor_id) if actor_id is not None else None
        store(session, scope=scope, content=content, storage_dir=storage_dir, actor=actor, now=now)

    return [step_of(section) for section in SECTIONS], finish


def make(
    session: Session,
    *,
    tender: Tender,
    bid: Bid | None,
    storage_dir: Path,
    actor: User | None,
    now: datetime,
) -> Dossier:
    """Make the dossier now, in this session (the command line), or return the one made
    for the same moment before."""
    scope = scope_for(session, tender, bid)
    found = existing(session, scope)
    if found is not None:
        return found
    steps, finish = plan(scope, storage_dir=storage_dir, actor_id=actor.id if actor else None)
    for step in steps:
        step(session)
    finish(session, now)
    made = existing(session, scope)
    assert made is not None
    return made


@dataclass(frozen=True)
class Started:
    """What asking for a dossier did: found one made before, or started (or resumed) a job."""

    dossier: Dossier | None
    job_id: int | None
    steps: jobs.Steps
    finish: jobs.Finisher | None


def start(
    session: Session,
    *,
    tender: Tender,
    bid: Bid | None,
    storage_dir: Path,
    actor: User,
    now: datetime,
) -> Started:
    """Ask for the dossier of the current state: the one made before for the same moment,
    or a job that makes it; a failed or stalled job is taken over. Flushed, not committed:
    the caller commits, then runs the steps (``jobs.run`` or ``start_in_background``)."""
    scope = scope_for(session, tender, bid)
    found = existing(session, scope)
    if found is not None:
        return Started(found, None, [], None)
    kind = job_kind(scope.bid_id)
    latest = jobs.latest_job(session, tender.id, kind)
    steps, finish = plan(scope, storage_dir=storage_dir, actor_id=actor.id)
    if latest is not None and jobs.shown_status(latest, now) in (jobs.FAILED, jobs.STALLED):
        jobs.claim_for_resume(session, latest, now=now)
        latest.total = len(steps)
        job = latest
    else:
        job = jobs.create_job(
            session, tender_id=tender.id, kind=kind, total=len(steps), actor_id=actor.id, now=now
        )
    return Started(None, job.id, steps, finish)


def read(dossier: Dossier, *, storage_dir: Path) -> bytes:
    """The stored ZIP, checked against its recorded SHA-256."""
    return read_verified(
        StoredFile(
            directory=storage_dir,
            stored_name=dossier.stored_name,
            sha256=dossier.sha256,
            label=f"het dossier ‘{dossier.filename}’",
            object_type="dossier",
            object_id=dossier.id,
            tender_id=dossier.tender_id,
        )
    )


def letter_released(session: Session, bid: Bid) -> bool:
    """Whether ``bid``'s award letter was sent: from then on its inzage is offered."""
    from tender.documents import service as documents
    from tender.documents.models import Document

    return (
        session.scalar(
            select(Document.id)
            .where(
                Document.bid_id == bid.id,
                Document.kind == documents.AWARD_LETTER,
                Document.released_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def dossiers_of(session: Session, tender: Tender) -> list[Dossier]:
    """Every dossier made of ``tender``, newest first."""
    return list(
        session.scalars(
            select(Dossier).where(Dossier.tender_id == tender.id).order_by(Dossier.id.desc())
        )
    )


@dataclass(frozen=True)
class Offer:
    """A bid whose inzage dossier its provider may make, with what was made of it."""

    bid: Bid
    job: DocumentJob | None
    status: str | None  # the job's status as shown (jobs.shown_status)
    dossiers: list[Dossier]


def offers(session: Session, organisation_id: int, now: datetime) -> list[Offer]:
    """The organisation's bids with a sent award letter, newest tender first."""
    bids = session.scalars(
        select(Bid)
        .where(Bid.organisation_id == organisation_id)
        .order_by(Bid.tender_id.desc(), Bid.id)
    )
    result = []
    for bid in bids:
        if not letter_released(session, bid):
            continue
        job = jobs.latest_job(session, bid.tender_id, job_kind(bid.id))
        made = session.scalars(
            select(Dossier).where(Dossier.bid_id == bid.id).order_by(Dossier.id.desc())
        )
        status = jobs.shown_status(job, now) if job is not None else None
        result.append(Offer(bid, job, status, list(made)))
    return result


def progress(job: DocumentJob | None, now: datetime) -> dict[str, object] | None:
    """A job's progress as the page polls it."""
    if job is None:
        return None
    return {"status": jobs.shown_status(job, now), "done": job.done, "total": job.total}
