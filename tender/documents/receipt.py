"""Ontvangstbevestiging: the receipt a provider gets for each submission of its bid.

EU Directive 2014/24, Annex IV: the exact time of receipt is recorded, and the
SHA-256 digest lets both parties show later that the opened bid is the one received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from tender.documents.pdf import (
    BODY,
    CLOSING,
    MONO,
    MONO_SMALL,
    TABLE_TEXT,
    TEXT_WIDTH,
    TITLE,
    facts_table,
    grid_table,
    markup,
    render,
    section_heading,
)
from tender.timefmt import format_datetime_seconds

DOCUMENT_TITLE = "Ontvangstbevestiging inschrijving"
_DIGEST_COLUMN = 98 * mm


@dataclass(frozen=True)
class ReceiptData:
    tender_reference: str
    tender_title: str
    contracting_authority: str
    region: str
    organisation_name: str
    kvk_number: str
    submission_number: int
    received_at: datetime  # aware, UTC
    digest: str  # hex SHA-256 of the submission
    lots: tuple[str, ...]
    attachments: tuple[tuple[str, str], ...]  # (file name, hex SHA-256)


def _version_text(number: int) -> str:
    if number == 1:
        return (
            "Dit is uw eerste indiening. Dient u vóór de uiterste inschrijfdatum opnieuw in, "
            "dan vervangt de nieuwe indiening deze. Alleen de laatste indiening die vóór de "
            "uiterste inschrijfdatum is ontvangen, telt mee."
        )
    return (
        f"Dit is indiening {number}. Deze vervangt uw eerdere indieningen, die wel in het "
        "logboek van de aanbesteding bewaard blijven. Alleen de laatste indiening die vóór "
        "de uiterste inschrijfdatum is ontvangen, telt mee."
    )


def _attachments(data: ReceiptData) -> list[Flowable]:
    if not data.attachments:
        return [Paragraph("Bij deze indiening zijn geen bijlagen meegestuurd.", BODY)]
    rows = [
        [Paragraph(markup(name), TABLE_TEXT), Paragraph(escape(digest), MONO_SMALL)]
        for name, digest in data.attachments
    ]
    return [
        grid_table(
            ["Bestandsnaam", "SHA-256"],
            rows,
            [TEXT_WIDTH - _DIGEST_COLUMN, _DIGEST_COLUMN],
        )
    ]


def build_receipt(data: ReceiptData) -> bytes:
    """The receipt of one submission as a PDF; the same data gives the same bytes."""
    received = format_datetime_seconds(data.received_at)
    lots = "\n".join(data.lots) if data.lots else "—"
    story: list[Flowable] = [
        Paragraph(DOCUMENT_TITLE, TITLE),
        Paragraph(
            "Wij hebben uw inschrijving ontvangen. Hieronder staan het tijdstip van "
            "ontvangst en de digitale vingerafdruk van wat u heeft ingediend.",
            BODY,
        ),
        facts_table(
            [
                ("Aanbesteding", data.tender_title),
                ("Kenmerk", data.tender_reference),
                ("Inschrijver", data.organisation_name),
                ("KvK-nummer", data.kvk_number),
                ("Percelen", lots),
                ("Indiening", f"Indiening {data.submission_number}"),
                (
                    "Tijdstip van ontvangst",
                    Paragraph(f"<b>{received}</b> (Nederlandse tijd)", TABLE_TEXT),
                ),
            ]
        ),
        *section_heading("Welke indiening telt"),
        Paragraph(_version_text(data.submission_number), BODY),
        *section_heading("Digitale vingerafdruk (SHA-256) van deze indiening"),
        # One unbroken line, so that the digest can be copied and compared in one piece.
        Paragraph(escape(data.digest), MONO),
        *section_heading("Bijlagen"),
        *_attachments(data),
        *section_heading("Wat deze bevestiging bewijst"),
        Paragraph(
            "Het tijdstip van ontvangst is vastgelegd door de server van de aanbestedende "
            "dienst, op de seconde nauwkeurig, zoals Richtlijn 2014/24/EU (bijlage IV) "
            "vraagt voor de elektronische ontvangst van inschrijvingen.",
            BODY,
        ),
        Paragraph(
            "De vingerafdruk (SHA-256) is berekend over de inhoud van uw indiening zoals wij "
            "die hebben ontvangen; elke bijlage heeft daarnaast een eigen vingerafdruk. "
            "Verandert er ook maar één teken, dan verandert de vingerafdruk volledig. De "
            "vingerafdruk staat ook in het proces-verbaal van opening: zo kunnen u en de "
            "aanbestedende dienst vaststellen dat de geopende inschrijving dezelfde "
            "is als de inschrijving die u heeft ingediend.",
            BODY,
        ),
        Paragraph(
            "Tot de opening blijft de inhoud van uw inschrijving verzegeld: niemand kan "
            "deze inzien, ook de beheerders niet.",
            BODY,
        ),
        Paragraph(
            "Bewaar deze bevestiging bij uw aanbestedingsdossier. Dit document is automatisch "
            "opgesteld en daarom niet ondertekend.",
            CLOSING,
        ),
    ]
    return render(
        story,
        title=DOCUMENT_TITLE,
        authority=data.contracting_authority,
        region=data.region,
        reference=data.tender_reference,
        subject=(
            f"{data.tender_title} – {data.organisation_name}, indiening {data.submission_number}"
        ),
    )
