"""Folder 07 of the dossier: the tender's audit trail and a statement of its verification.

Complete file only. The trail holds the tender's events up to and including the
dossier's last event (``scope.audit_seq``), oldest first, as the Logboek shows them
(``audit_trail.shown_event``: while the bids are sealed nothing tells who bid, and a
provider's edits that it never submitted show who and when only). It comes as a PDF
to read and as a CSV with every field that the event's hash covers, verbatim, so
that anyone can recompute each hash (``audit.event_hash``).

The verification statement says what was checked when the dossier was made: the
whole chain from its first event up to the dossier's last one (``audit.verify_chain``:
every event links to the one before it and its hash matches its content), that the
last event still has the hash the index prints, and that every stored document of
the tender still finds the chain's head it recorded (``audit.missing_anchors``). It
also says what the files alone cannot prove.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tender import audit
from tender.accounts.models import User
from tender.audit import AuditEvent
from tender.audit_trail import ShownEvent, counted_until, is_masked, shown_event
from tender.documents import pdf
from tender.documents.models import Document
from tender.dossier.parts import AUDIT_TRAIL, DossierFile, Scope
from tender.permissions import bids_sealed
from tender.tenders.models import Tender
from tender.timefmt import count_of, format_datetime_seconds

STATEMENT_NAME = "logboek-verificatie.pdf"
STATEMENT_TITLE = "Verklaring over het logboek"
LOG_NAME = "logboek.pdf"
LOG_TITLE = "Logboek"
CSV_NAME = "logboek.csv"
CSV_TITLE = "Logboek (CSV, met alle velden die de hash dekt)"
CSV_HEADER = (
    "Nr.",
    "Tijdstip (Nederlandse tijd)",
    "Tijdstip (UTC)",
    "Account-id",
    "Wie",
    "Actie",
    "Omschrijving",
    "Objecttype",
    "Object-id",
    "Aanbesteding-id",
    "Details (JSON)",
    "Vorige hash",
    "Hash",
)
_ROWS_PER_TABLE = 40
_BATCH = 500  # bounded IN lists
_NONE = "—"
_HASH = ParagraphStyle("LogHash", fontName="Courier", fontSize=6, leading=8)
_SMALL_CELL = ParagraphStyle("LogCell", parent=pdf.TABLE_TEXT, fontSize=7, leading=9)


@dataclass(frozen=True)
class LogRow:
    """One event as the dossier shows it; ``prev_hash`` None: withheld (see ``log_rows``)."""

    event: AuditEvent
    shown: ShownEvent
    prev_hash: str | None

    @property
    def complete(self) -> bool:
        """Whether the row carries everything needed to recompute its hash."""
        return self.shown.hash is not None and self.prev_hash is not None


def details_json(details: dict[str, Any]) -> str:
    """An event's details as ``audit.event_hash`` serialises them (sorted keys, compact)."""
    return json.dumps(details, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def log_rows(session: Session, tender: Tender, audit_seq: int) -> list[LogRow]:
    """The tender's events up to and including ``audit_seq``, oldest first.

    A row shows the hash of the event before it in the chain unless that event is one
    this dossier does not show in full (a hash of guessable content would confirm a
    guess, ``audit_trail.shown_event``): an event of this tender shown masked or
    without its content, or an event outside the tender about a bidder.
    """
    sealed = bids_sealed(tender)
    found = session.execute(
        select(AuditEvent, User.role)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.tender_id == tender.id, AuditEvent.id <= audit_seq)
        .order_by(AuditEvent.id)
    ).all()
    counted = (
        {}
        if sealed
        else counted_until(session, {e.object_id for e, _ in found if e.object_type == "bid"})
    )
    shown = [
        (
            event,
            shown_event(
                event,
                actor_role=role,
                sealed=sealed,
                counted_until=counted.get(event.object_id) if event.object_type == "bid" else None,
            ),
        )
        for event, role in found
    ]
    listed = {event.hash for event, _ in shown}
    withheld = {event.hash for event, item in shown if item.hash is None}
    withheld |= _about_a_bidder(session, {e.prev_hash for e, _ in shown} - listed)
    return [
        LogRow(
            event=event,
            shown=item,
            prev_hash=None if item.hash is None or event.prev_hash in withheld else event.prev_hash,
        )
        for event, item in shown
    ]


def _about_a_bidder(session: Session, hashes: set[str]) -> set[str]:
    """Of the events with these hashes, those about a bid, a bidder or by a provider."""
    ordered = sorted(hashes)
    about: set[str] = set()
    for start in range(0, len(ordered), _BATCH):
        rows = session.execute(
            select(AuditEvent.hash, AuditEvent.object_type, User.role)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.hash.in_(ordered[start : start + _BATCH]))
        )
        about |= {
            row.hash
            for row in rows
            if is_masked(sealed=True, object_type=row.object_type, actor_role=row.role)
        }
    return about


@dataclass(frozen=True)
class ChainCheck:
    """What the verification found, for the statement."""

    checked: int  # events from the first of the chain up to the dossier's last
    broken: audit.BrokenLink | None
    head_problem: str | None  # None: the last event still has the printed hash
    anchors: int  # stored documents of the tender with a recorded chain head
    missing: tuple[audit.MissingAnchor, ...]


def check_chain(session: Session, tender: Tender, scope: Scope) -> ChainCheck:
    """Verify the chain up to ``scope.audit_seq`` as it is in the database now."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.id <= scope.audit_seq)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000, populate_existing=True)
    )
    broken = audit.verify_chain(events)
    checked = session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.id <= scope.audit_seq)
    )
    head = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == scope.audit_seq))
    if head is None:
        head_problem = f"gebeurtenis {scope.audit_seq} ontbreekt in het logboek"
    elif head != scope.audit_hash:
        head_problem = f"gebeurtenis {scope.audit_seq} heeft niet meer de vermelde hash"
    else:
        head_problem = None
    rows = session.execute(
        select(Document.id, Document.filename, Document.audit_seq, Document.audit_hash)
        .where(
            Document.tender_id == tender.id,
            Document.audit_seq.is_not(None),
            Document.audit_seq <= scope.audit_seq,
        )
        .order_by(Document.id)
    ).all()
    anchors = [
        audit.AnchoredRecord(
            label=f"document {row.id} ‘{row.filename}’",
            anchor=audit.AuditAnchor(event_id=row.audit_seq, hash=row.audit_hash),
        )
        for row in rows
    ]
    return ChainCheck(
        checked=checked or 0,
        broken=broken,
        head_problem=head_problem,
        anchors=len(anchors),
        missing=tuple(audit.missing_anchors(session, anchors)),
    )


def audit_trail(session: Session, scope: Scope) -> list[DossierFile]:
    """The verification statement, the trail as PDF and as CSV (complete file only)."""
    tender = session.get(Tender, scope.tender_id)
    if tender is None or not scope.full:
        return []
    rows = log_rows(session, tender, scope.audit_seq)
    check = check_chain(session, tender, scope)
    return [
        DossierFile(
            AUDIT_TRAIL, STATEMENT_NAME, STATEMENT_TITLE, _statement(tender, scope, rows, check)
        ),
        DossierFile(AUDIT_TRAIL, LOG_NAME, LOG_TITLE, _log_pdf(tender, scope, rows)),
        DossierFile(AUDIT_TRAIL, CSV_NAME, CSV_TITLE, log_csv(rows)),
    ]


def log_csv(rows: Sequence[LogRow]) -> bytes:
    """Semicolon-separated UTF-8 with BOM, as the other exports; every value verbatim
    (not neutralised for spreadsheets), so that the hashes can be recomputed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        event, shown = row.event, row.shown
        moment = [event.id, format_datetime_seconds(event.occurred_at), _utc(event)]
        if shown.masked:
            writer.writerow([*moment, "", "", "", shown.label, "", "", "", "", "", ""])
            continue
        full = shown.hash is not None
        writer.writerow(
            [
                *moment,
                event.actor_id if event.actor_id is not None else "",
                event.actor_label,
                event.action if full else "",
                shown.label,
                event.object_type,
                event.object_id if event.object_id is not None else "",
                event.tender_id if full else "",
                details_json(event.details) if full else "",
                row.prev_hash or "",
                shown.hash or "",
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _utc(event: AuditEvent) -> str:
    """The moment exactly as the hash covers it."""
    return event.occurred_at.isoformat(timespec="microseconds")


def _cell(text: str, style: ParagraphStyle = _SMALL_CELL) -> Paragraph:
    return Paragraph(pdf.markup(text), style)


def _details(details: dict[str, Any]) -> str:
    """The details as the Logboek page lists them: one 'key: value' per line."""

    def text(value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return "\n".join(f"{key}: {text(value)}" for key, value in sorted(details.items()))


def _log_pdf(tender: Tender, scope: Scope, rows: Sequence[LogRow]) -> bytes:
    sealed = bids_sealed(tender)
    story: list[Flowable] = [
        Paragraph(LOG_TITLE, pdf.TITLE),
        Paragraph(pdf.markup(f"{tender.title} – kenmerk {tender.reference}"), pdf.SUBTITLE),
        Paragraph(
            f"{count_of(len(rows), 'gebeurtenis', 'gebeurtenissen')} van deze aanbesteding, "
            f"de oudste eerst, tot en met gebeurtenis {scope.audit_seq}. Tijden in "
            "Nederlandse tijd; het bestand logboek.csv in deze map bevat dezelfde "
            "gebeurtenissen met alle velden en de volledige hashes.",
            pdf.BODY,
        ),
    ]
    if sealed:
        story.append(
            Paragraph(
                "De inschrijvingen zijn verzegeld tot de opening. Gebeurtenissen van "
                "inschrijvingen en aanbieders staan er alleen als ‘een inschrijving is "
                "gewijzigd’, zonder wie, wat of welke inschrijving.",
                pdf.NOTICE,
            )
        )
    story += pdf.landscape_pages()
    fixed = 12 * mm + 28 * mm + 42 * mm + 48 * mm + 22 * mm + 42 * mm
    widths = [
        12 * mm,
        28 * mm,
        42 * mm,
        48 * mm,
        22 * mm,
        pdf.LANDSCAPE_TEXT_WIDTH - fixed,
        42 * mm,
    ]
    table_rows = [_pdf_row(row) for row in rows]
    for start in range(0, max(len(table_rows), 1), _ROWS_PER_TABLE):
        part = table_rows[start : start + _ROWS_PER_TABLE]
        table = pdf.grid_table(
            ["Nr.", "Tijdstip", "Wie", "Wat", "Object", "Details", "Hash"],
            [cells for cells, _ in part],
            widths,
            split_rows=True,
        )
        table.setStyle(
            [
                ("SPAN", (2, index + 1), (-1, index + 1))
                for index, (_, masked) in enumerate(part)
                if masked
            ]
        )
        story.append(table)
    return pdf.render(
        story,
        title=LOG_TITLE,
        authority=tender.contracting_authority,
        region=tender.region,
        reference=tender.reference,
    )


def _pdf_row(row: LogRow) -> tuple[list[Any], bool]:
    shown = row.shown
    moment = [_cell(str(shown.id)), _cell(format_datetime_seconds(shown.occurred_at))]
    if shown.masked:
        return [*moment, _cell(shown.label), "", "", "", ""], True
    what = shown.label + (f"\n{shown.action}" if shown.action else "")
    return [
        *moment,
        _cell(shown.actor or ""),
        _cell(what),
        _cell(shown.object or ""),
        _cell(_details(shown.details)),
        _cell(shown.hash or _NONE, _HASH),
    ], False


def _statement(tender: Tender, scope: Scope, rows: Sequence[LogRow], check: ChainCheck) -> bytes:
    incomplete = sum(1 for row in rows if not row.complete)
    if check.broken is None:
        chain = (
            f"INTACT. Alle {check.checked} gebeurtenissen van het logboek, van de eerste tot "
            f"en met gebeurtenis {scope.audit_seq}, zijn gecontroleerd (alle aanbestedingen "
            "en accounts: het is één keten). Elke gebeurtenis verwijst naar de hash van de "
            "vorige en haar eigen hash klopt met haar inhoud."
        )
    else:
        chain = (
            f"VERBROKEN bij gebeurtenis {check.broken.event_id}: {check.broken.reason}. De "
            f"keten van {check.checked} gebeurtenissen tot en met gebeurtenis "
            f"{scope.audit_seq} is tot die gebeurtenis gecontroleerd; vanaf daar is het "
            "logboek niet meer te vertrouwen."
        )
    head = (
        f"Gebeurtenis {scope.audit_seq} staat nog in het logboek met precies deze hash."
        if check.head_problem is None
        else f"AFWIJKING: {check.head_problem}."
    )
    if not check.anchors:
        anchors = "Geen opgeslagen document van deze aanbesteding legde de stand van de keten vast."
    elif not check.missing:
        anchors = (
            f"Opgeslagen documenten van deze aanbesteding die de laatste gebeurtenis van de "
            f"keten op hun moment vastlegden (tot en met deze gebeurtenis): {check.anchors}. "
            "Van elk staat die gebeurtenis nog met precies die hash in het logboek: er zijn "
            "geen gebeurtenissen tot de laatst vastgelegde verwijderd of vervangen."
        )
    else:
        anchors = (
            f"AFWIJKING bij {len(check.missing)} van {check.anchors} opgeslagen documenten: "
            + "; ".join(f"{missing.record.label}: {missing.reason}" for missing in check.missing)
        )
    story: list[Flowable] = [
        Paragraph(STATEMENT_TITLE, pdf.TITLE),
        Paragraph(pdf.markup(f"{tender.title} – kenmerk {tender.reference}"), pdf.SUBTITLE),
        pdf.facts_table(
            [
                ("Laatste gebeurtenis in dit dossier", str(scope.audit_seq)),
                ("Hash daarvan", Paragraph(pdf.markup(scope.audit_hash), pdf.MONO_SMALL)),
                ("Moment", format_datetime_seconds(scope.as_of)),
                (
                    "Gebeurtenissen van deze aanbesteding",
                    f"{len(rows)} (in logboek.pdf en logboek.csv)",
                ),
            ],
            label_width=58 * mm,
        ),
        *pdf.section_heading("Wat is gecontroleerd"),
        Paragraph(
            "Bij het samenstellen van dit dossier heeft het systeem het logboek in de "
            "database gecontroleerd:",
            pdf.BODY,
        ),
        *pdf.bullet_list(
            [f"De keten: {chain}", f"De laatste gebeurtenis: {head}", f"De documenten: {anchors}"]
        ),
        *pdf.section_heading("Zelf controleren met logboek.csv"),
        Paragraph(
            "De hash van een gebeurtenis is de SHA-256 (hexadecimaal) van de UTF-8-bytes van "
            "dit JSON-object, met de sleutels alfabetisch gesorteerd, zonder spaties (scheiding "
            "‘,’ en ‘:’) en tekens buiten ASCII zoals ze zijn: "
            '<font name="Courier">action</font> (kolom Actie), '
            '<font name="Courier">actor</font> (Wie), '
            '<font name="Courier">actor_id</font> (Account-id; leeg is null), '
            '<font name="Courier">at</font> (Tijdstip (UTC), als tekst), '
            '<font name="Courier">details</font> (Details (JSON), als object), '
            '<font name="Courier">object_id</font> (Object-id; leeg is null), '
            '<font name="Courier">object_type</font> (Objecttype), '
            '<font name="Courier">prev</font> (Vorige hash) en '
            '<font name="Courier">tender_id</font> (Aanbesteding-id). Getallen zijn getallen, '
            "geen tekst. De uitkomst moet gelijk zijn aan de kolom Hash.",
            pdf.BODY,
        ),
        *pdf.section_heading("Wat deze bestanden niet bewijzen"),
        *pdf.bullet_list(
            [
                "Het logboek is één keten voor alle aanbestedingen en accounts. De gebeurtenis "
                "waar een regel naar verwijst (Vorige hash) is vaak een gebeurtenis die niet "
                "over deze aanbesteding gaat en daarom niet in dit dossier staat; dat "
                "opeenvolgende regels aan elkaar sluiten, is met deze bestanden alleen dus "
                "niet na te gaan. De controle van de hele keten hierboven is in de database "
                "gedaan.",
                f"Van {count_of(incomplete, 'regel', 'regels')} is de hash niet na te rekenen: "
                "de inhoud of de vorige hash is weggelaten, omdat die zou verraden wie inschreef "
                "zolang de inschrijvingen verzegeld zijn, of iets zou tonen van een wijziging "
                "die een aanbieder niet heeft ingediend (zoals de pagina Logboek).",
                "Wie de database (of een kopie) heeft, kan de hele keten zelf controleren met "
                "‘flask --app tender audit verify’; gebeurtenis "
                f"{scope.audit_seq} moet daarin de hash hierboven hebben.",
            ]
        ),
    ]
    return pdf.render(
        story,
        title=STATEMENT_TITLE,
        authority=tender.contracting_authority,
        region=tender.region,
        reference=tender.reference,
    )
