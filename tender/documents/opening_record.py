"""Proces-verbaal van opening: the record of which bids were received and opened.

Written by the system at the moment the second procurement officer confirms the
opening (four-eyes principle). For every bid it states the time of receipt to the
second and the full SHA-256 digest of the submission that counts, the same digest
as on the provider's receipt, so that anyone can later show that the bid that was
opened and scored is the one that was received (EU Directive 2014/24, Annex IV).
It also states that every submission and file was hashed again and matched its
receipt just before opening, and lists any earlier check that found a difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from tender.documents.pdf import (
    BODY,
    CLOSING,
    HOUSE_BLUE,
    MONO_SMALL,
    PALE_BLUE,
    RULE_GREY,
    SMALL,
    SUBTITLE,
    TABLE_HEADER,
    TABLE_TEXT,
    TEXT_GREY,
    TEXT_WIDTH,
    TITLE,
    bullet_list,
    facts_table,
    markup,
    render,
    section_heading,
)
from tender.timefmt import format_datetime, format_datetime_seconds

DOCUMENT_TITLE = "Proces-verbaal van opening"
HEADER = ("Inschrijving", "Inschrijver", "Ontvangen", "Indieningen")
# The page is portrait A4 (the shared letter template has no landscape variant), so
# each bid takes two rows: its facts, then its digest spanning all but the first
# column, where the 64 hex digits fit on one line.
_CODE_COLUMN = 27 * mm
_RECEIVED_COLUMN = 38 * mm
_COUNT_COLUMN = 25 * mm
_NAME_COLUMN = TEXT_WIDTH - _CODE_COLUMN - _RECEIVED_COLUMN - _COUNT_COLUMN
_NONE = "—"
_KVK = ParagraphStyle("OpeningKvk", parent=TABLE_TEXT, textColor=TEXT_GREY)


@dataclass(frozen=True)
class OpenedBid:
    blind_code: str  # e.g. "Inschrijving 07"
    organisation_name: str
    kvk_number: str
    received_at: datetime | None  # aware, UTC: receipt of the submission that counts
    digest: str | None  # hex SHA-256 of that submission
    submissions: int  # how many times the bid was submitted (resubmissions included)


@dataclass(frozen=True)
class FailedCheck:
    """An earlier check of the received bids that found differences from the receipts."""

    checked_at: datetime  # aware, UTC
    problems: tuple[str, ...]  # Dutch, naming bids only by internal number and time


@dataclass(frozen=True)
class ReceiptCheck:
    """The check made just before opening, and the failed checks before it."""

    statement: str  # e.g. "3 inschrijvingen en 7 bestanden komen overeen met de ..."
    earlier_failures: tuple[FailedCheck, ...]


@dataclass(frozen=True)
class OpeningRecordData:
    tender_reference: str
    tender_title: str
    contracting_authority: str
    region: str
    submission_deadline: datetime
    opening_started_at: datetime
    opening_started_by: str
    opened_at: datetime  # when the second officer confirmed: the moment of opening
    opened_by: str
    bids: tuple[OpenedBid, ...]
    withdrawn: tuple[OpenedBid, ...]
    receipt_check: ReceiptCheck


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _bid_rows(bid: OpenedBid) -> list[list[Any]]:
    received = format_datetime_seconds(bid.received_at) or _NONE
    return [
        [
            Paragraph(markup(bid.blind_code), TABLE_TEXT),
            [
                Paragraph(markup(bid.organisation_name), TABLE_TEXT),
                Paragraph(f"KvK {escape(bid.kvk_number)}", _KVK),
            ],
            Paragraph(received, TABLE_TEXT),
            Paragraph(str(bid.submissions), TABLE_TEXT),
        ],
        [
            Paragraph("SHA-256", SMALL),
            # One unbroken line, so that the digest can be copied and compared in one piece.
            Paragraph(escape(bid.digest), MONO_SMALL)
            if bid.digest
            else Paragraph(_NONE, TABLE_TEXT),
            "",
            "",
        ],
    ]


def _bid_table(bids: Sequence[OpenedBid]) -> Table:
    """The bids with a header row repeated on every page; a bid never splits over pages."""
    data: list[list[Any]] = [[Paragraph(escape(cell), TABLE_HEADER) for cell in HEADER]]
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), PALE_BLUE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, HOUSE_BLUE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for bid in bids:
        facts = len(data)
        digest = facts + 1
        data.extend(_bid_rows(bid))
        commands += [
            ("SPAN", (1, digest), (-1, digest)),
            ("NOSPLIT", (0, facts), (-1, digest)),
            ("BOTTOMPADDING", (0, facts), (-1, facts), 1),
            ("TOPPADDING", (0, digest), (-1, digest), 0),
            ("LINEBELOW", (0, digest), (-1, digest), 0.4, RULE_GREY),
        ]
    table = Table(
        data,
        colWidths=[_CODE_COLUMN, _NAME_COLUMN, _RECEIVED_COLUMN, _COUNT_COLUMN],
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(TableStyle(commands))
    return table


def _received_section(data: OpeningRecordData) -> list[Flowable]:
    story: list[Flowable] = [
        *section_heading(f"Ontvangen inschrijvingen ({len(data.bids)})"),
    ]
    if not data.bids:
        story.append(
            Paragraph(
                "Vóór de uiterste inschrijfdatum is geen enkele inschrijving ontvangen.", BODY
            )
        )
        return story
    story += [
        Paragraph(
            "Ontvangen is het tijdstip waarop de server de indiening die telt heeft "
            "ontvangen, op de seconde nauwkeurig en in Nederlandse tijd. Een inschrijver kan "
            "vóór de uiterste inschrijfdatum opnieuw indienen; het aantal indieningen staat "
            "in de laatste kolom en alleen de laatste indiening telt. De vingerafdruk "
            "(SHA-256) is die van deze laatste indiening en is dezelfde als op de "
            "ontvangstbevestiging die de inschrijver heeft gekregen.",
            BODY,
        ),
        _bid_table(data.bids),
    ]
    return story


def _withdrawn_section(data: OpeningRecordData) -> list[Flowable]:
    story: list[Flowable] = [
        *section_heading(f"Ingetrokken inschrijvingen ({len(data.withdrawn)})"),
    ]
    if not data.withdrawn:
        story.append(Paragraph("Er zijn geen inschrijvingen ingetrokken.", BODY))
        return story
    story += [
        Paragraph(
            "Deze inschrijvingen zijn vóór de uiterste inschrijfdatum door de inschrijver "
            "ingetrokken. Zij worden niet geopend en niet beoordeeld; zij staan hier zodat "
            "vastligt dat zij zijn ontvangen en weer zijn ingetrokken.",
            BODY,
        ),
        _bid_table(data.withdrawn),
    ]
    return story


def _receipt_check_section(check: ReceiptCheck) -> list[Flowable]:
    story: list[Flowable] = [
        *section_heading("Controle op de ontvangstbewijzen"),
        Paragraph(f"<b>Controle ontvangen inschrijvingen:</b> {markup(check.statement)}.", BODY),
        Paragraph(
            "Vlak vóór de opening is van elke ontvangen inschrijving de opgeslagen inhoud van "
            "de indiening die telt, en elk bestand dat zij noemt, opnieuw gehasht (SHA-256) en "
            "vergeleken met de vingerafdrukken op de ontvangstbewijzen en in het logboek.",
            BODY,
        ),
    ]
    if not check.earlier_failures:
        story.append(Paragraph("Geen eerdere controle heeft een afwijking gevonden.", BODY))
        return story
    story.append(
        Paragraph(
            "Eerdere controles vonden afwijkingen; de opening is pas doorgegaan toen de "
            "controle hierboven geen afwijking meer vond:",
            BODY,
        )
    )
    for failure in check.earlier_failures:
        checked = format_datetime_seconds(failure.checked_at)
        story.append(Paragraph(f"<b>Controle van {checked}</b> (Nederlandse tijd)", BODY))
        story += bullet_list(failure.problems)
    return story


def _totals_text(data: OpeningRecordData) -> str:
    opened = len(data.bids)
    submissions = sum(bid.submissions for bid in data.bids)
    verb = "is" if opened == 1 else "zijn"
    text = (
        f"Bij de opening {verb} in totaal {_count(opened, 'inschrijving', 'inschrijvingen')} "
        f"geopend, met samen {_count(submissions, 'indiening', 'indieningen')}."
    )
    if data.withdrawn:
        withdrawn = len(data.withdrawn)
        verb = "is" if withdrawn == 1 else "zijn"
        text += (
            f" Daarnaast {verb} {_count(withdrawn, 'inschrijving', 'inschrijvingen')} "
            "ingetrokken en niet geopend."
        )
    return text


def build_opening_record(data: OpeningRecordData) -> bytes:
    """The record of opening as a PDF; the same data gives the same bytes.

    Bids are listed in the order given (the caller sorts them, e.g. by blind code).
    """
    deadline = format_datetime(data.submission_deadline)
    started = format_datetime_seconds(data.opening_started_at)
    opened = format_datetime_seconds(data.opened_at)
    story: list[Flowable] = [
        Paragraph(DOCUMENT_TITLE, TITLE),
        Paragraph(markup(f"{data.tender_title} – kenmerk {data.tender_reference}"), SUBTITLE),
        Paragraph(
            f"Op {opened} (Nederlandse tijd) zijn de inschrijvingen voor deze aanbesteding "
            f"geopend, na het verstrijken van de uiterste inschrijfdatum van {deadline}. "
            "Dit proces-verbaal legt vast welke inschrijvingen vóór die datum zijn "
            "ontvangen, wanneer, en met welke digitale vingerafdruk.",
            BODY,
        ),
        facts_table(
            [
                ("Aanbesteding", data.tender_title),
                ("Kenmerk", data.tender_reference),
                ("Aanbestedende dienst", data.contracting_authority),
                ("Uiterste inschrijfdatum", f"{deadline} (Nederlandse tijd)"),
                ("Opening gestart", f"{started} door {data.opening_started_by}"),
                ("Opening bevestigd", f"{opened} door {data.opened_by}"),
                ("Ontvangen inschrijvingen", str(len(data.bids))),
                ("Ingetrokken inschrijvingen", str(len(data.withdrawn))),
            ],
            label_width=56 * mm,
        ),
        *section_heading("Vier-ogenprincipe"),
        Paragraph(
            f"De opening is gestart door {markup(data.opening_started_by)} op {started} en "
            f"bevestigd door {markup(data.opened_by)} op {opened}: twee verschillende "
            "inkopers. Tot die bevestiging bleef de inhoud van alle inschrijvingen "
            "verzegeld; niemand, ook geen beheerder, kon deze inzien.",
            BODY,
        ),
        *_received_section(data),
        *_receipt_check_section(data.receipt_check),
        *_withdrawn_section(data),
        *section_heading("Totaal"),
        Paragraph(_totals_text(data), BODY),
        Paragraph(
            "Dit proces-verbaal is automatisch door het systeem opgesteld op het moment van "
            f"de opening, {opened} (Nederlandse tijd), en daarom niet ondertekend. Het wordt "
            "met zijn eigen vingerafdruk (SHA-256) in het aanbestedingsdossier bewaard.",
            CLOSING,
        ),
    ]
    return render(
        story,
        title=DOCUMENT_TITLE,
        authority=data.contracting_authority,
        region=data.region,
        reference=data.tender_reference,
        subject=f"{DOCUMENT_TITLE} – {data.tender_title}",
    )
