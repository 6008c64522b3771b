"""Dossier sections made of what is already stored: tender documents, the record of
opening, and the award report, letters and contracts of every decision version.

Stored documents go into the dossier as their stored bytes, read digest-verified
(``documents.service.read_document``): the dossier holds the very files that were
published, opened and sent. Only documents that existed at the dossier's moment are
taken (made under an audit head up to ``scope.audit_seq``; letters, report and
contracts released by ``scope.as_of``), so a later document never changes an
earlier dossier.

An inzage dossier gets the public tender documents, an extract of the record of
opening with only its own bid (the full record names every bidder), and its own
letters and contract.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from flask import current_app
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tender.bids import submitted
from tender.bids.models import Bid
from tender.documents import pdf
from tender.documents import service as documents
from tender.documents.models import Document
from tender.dossier.parts import DECISION, OPENING, TENDER_DOCUMENTS, DossierFile, Scope
from tender.permissions import bids_sealed
from tender.qa.models import QaRound
from tender.tenders.models import Tender
from tender.timefmt import format_datetime_seconds

_TENDER_DOCUMENT_TITLES = {
    documents.LEIDRAAD: "Aanbestedingsleidraad",
    documents.CONCEPT_CONTRACT: "Concept-raamovereenkomst",
    documents.PLANNING: "Planning (bijlage bij een nota van inlichtingen)",
}
_DECISION_TITLES = {
    documents.AWARD_REPORT: "Gunningsadvies (rapport)",
    documents.AWARD_LETTER: "Gunningsbeslissing",
    documents.CONTRACT: "Raamovereenkomst",
}
# The order of a decision version's documents in the index.
_DECISION_ORDER = (documents.AWARD_REPORT, documents.AWARD_LETTER, documents.CONTRACT)
OPENING_EXTRACT_TITLE = "Uittreksel proces-verbaal van opening"


def _storage() -> Path:
    return documents.documents_dir(current_app.instance_path)


def _existing(scope: Scope):  # type: ignore[no-untyped-def]
    """Documents made under an audit head the dossier covers (or before anchoring)."""
    return or_(Document.audit_seq.is_(None), Document.audit_seq <= scope.audit_seq)


def _file(folder: str, document: Document, title: str) -> DossierFile:
    return DossierFile(
        folder=folder,
        name=document.filename,
        title=title,
        content=documents.read_document(document, storage_dir=_storage()),
    )


def tender_documents(session: Session, scope: Scope) -> list[DossierFile]:
    """01: the leidraad, concept contract and plannings, the criteria file as
    submitted, the contract clauses, and every published nota van inlichtingen."""
    tender = session.get(Tender, scope.tender_id)
    assert tender is not None
    published = session.scalars(
        select(Document)
        .where(
            Document.tender_id == tender.id,
            Document.kind.in_(documents.TENDER_DOCUMENT_KINDS),
            Document.released_at.is_not(None),
            _existing(scope),
        )
        .order_by(Document.id)
    )
    files = [
        _file(TENDER_DOCUMENTS, document, _TENDER_DOCUMENT_TITLES[document.kind])
        for document in published
    ]
    files.append(
        DossierFile(
            folder=TENDER_DOCUMENTS,
            name=_source_name(tender.criteria_filename, "criteria.toml"),
            title="Criteriabestand zoals ingediend (TOML)",
            content=tender.criteria_text.encode("utf-8"),
        )
    )
    if tender.contract_clauses_text:
        files.append(
            DossierFile(
                folder=TENDER_DOCUMENTS,
                name=_source_name(tender.contract_clauses_source or "", "contractbepalingen.toml"),
                title="Bestand met contractbepalingen zoals ingediend",
                content=tender.contract_clauses_text.encode("utf-8"),
            )
        )
    rounds = session.execute(
        select(QaRound.number, Document)
        .join(Document, Document.id == QaRound.document_id)
        .where(QaRound.tender_id == tender.id, _existing(scope))
        .order_by(QaRound.number)
    )
    files += [
        _file(TENDER_DOCUMENTS, document, f"Nota van inlichtingen {number}")
        for number, document in rounds
    ]
    return files


def _source_name(source: str, fallback: str) -> str:
    """The file name a source was loaded from, without its folders."""
    return posixpath.basename(source.replace("\\", "/")) or fallback


def opening_record(session: Session, scope: Scope) -> list[DossierFile]:
    """03: the record of opening; an inzage dossier gets an extract with its own bid."""
    tender = session.get(Tender, scope.tender_id)
    assert tender is not None
    if bids_sealed(tender):
        return []
    record = session.scalar(
        select(Document)
        .where(
            Document.tender_id == tender.id,
            Document.kind == documents.OPENING_RECORD,
            _existing(scope),
        )
        .order_by(Document.id)
        .limit(1)
    )
    if record is None:
        return []
    if scope.full:
        return [_file(OPENING, record, "Proces-verbaal van opening")]
    bid = session.get(Bid, scope.bid_id)
    assert bid is not None and bid.tender_id == tender.id
    return [
        DossierFile(
            folder=OPENING,
            name=f"uittreksel-proces-verbaal-opening-{tender.reference}.pdf",
            title=OPENING_EXTRACT_TITLE,
            content=_opening_extract(tender, bid, record),
        )
    ]


def _opening_extract(tender: Tender, bid: Bid, record: Document) -> bytes:
    """The record of opening as far as it concerns ``bid``: the moment of opening and
    its own receipt; the full record also names the other bidders."""
    version = submitted.submitted_version(bid)
    received = format_datetime_seconds(version.received_at) if version else "—"
    story: list[Flowable] = [
        Paragraph(OPENING_EXTRACT_TITLE, pdf.TITLE),
        Paragraph(pdf.markup(f"{tender.title} – kenmerk {tender.reference}"), pdf.SUBTITLE),
        Paragraph(
            "Dit uittreksel geeft uit het proces-verbaal van opening de gegevens over uw "
            "eigen inschrijving. Het volledige proces-verbaal noemt ook de andere "
            "inschrijvers en is daarom niet in dit inzagedossier opgenomen; de "
            "vingerafdruk hieronder laat zien welk proces-verbaal het is.",
            pdf.BODY,
        ),
        pdf.facts_table(
            [
                ("Opening bevestigd", f"{format_datetime_seconds(tender.opened_at)}"),
                ("Uw inschrijving", bid.blind_code),
                ("Inschrijver", f"{bid.organisation.name} (KvK {bid.organisation.kvk_number})"),
                ("Ontvangen", received),
                ("Indieningen", str(len(bid.submissions))),
                (
                    "SHA-256 van uw indiening",
                    Paragraph(version.digest if version else "—", pdf.MONO_SMALL),
                ),
                ("Proces-verbaal", record.filename),
                ("SHA-256 proces-verbaal", Paragraph(record.sha256, pdf.MONO_SMALL)),
            ],
            label_width=52 * mm,
        ),
    ]
    return pdf.render(
        story,
        title=OPENING_EXTRACT_TITLE,
        authority=tender.contracting_authority,
        region=tender.region,
        reference=tender.reference,
    )


def decision_documents(session: Session, scope: Scope) -> list[DossierFile]:
    """06: the stored award report, letters and contracts of every decision version as
    released; an inzage dossier gets its own letters and contract only."""
    tender = session.get(Tender, scope.tender_id)
    assert tender is not None
    if bids_sealed(tender):
        return []
    query = (
        select(Document)
        .where(
            Document.tender_id == tender.id,
            Document.decision_id.is_not(None),
            Document.kind.in_(_DECISION_ORDER),
            Document.released_at.is_not(None),
            Document.released_at <= scope.as_of,
        )
        .order_by(Document.decision_id, Document.id)
    )
    if not scope.full:
        query = query.where(Document.bid_id == scope.bid_id)
    stored = list(session.scalars(query))
    stored.sort(key=lambda d: (d.decision_id, _DECISION_ORDER.index(d.kind), d.filename))
    return [_file(DECISION, document, _decision_title(document)) for document in stored]


def _decision_title(document: Document) -> str:
    return f"{_DECISION_TITLES[document.kind]}: {document.filename.removesuffix('.pdf')}"
