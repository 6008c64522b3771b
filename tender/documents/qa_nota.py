"""Nota van inlichtingen: the published, anonymised questions and answers of one round.

Every provider gets the same information at the same time (equal treatment), so the
nota names no one: the data it is built from holds no organisation at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, Paragraph

from tender.documents.pdf import (
    BODY,
    CLOSING,
    NOTICE,
    SUBTITLE,
    TITLE,
    markup,
    render,
    section_heading,
    user_paragraphs,
)
from tender.timefmt import format_datetime

NO_BREAK_SPACE = "\u00a0"


@dataclass(frozen=True)
class QaNotaItem:
    number: int
    section: str
    question: str
    answer: str


@dataclass(frozen=True)
class QaNotaData:
    tender_reference: str
    tender_title: str
    contracting_authority: str
    region: str
    round_number: int
    published_at: datetime
    items: tuple[QaNotaItem, ...]
    previous_submission_deadline: datetime | None
    new_submission_deadline: datetime | None
    # A schedule change published with this nota (tender.tenders.schedule), if any.
    schedule_change: ScheduleNotice | None = None


@dataclass(frozen=True)
class ScheduleNotice:
    """The dates after a schedule change, the earlier ones, and why they moved."""

    reason: str
    question_deadline: datetime
    submission_deadline: datetime
    planned_opening: datetime
    previous_question_deadline: datetime
    previous_submission_deadline: datetime
    previous_planned_opening: datetime


def _schedule(notice: ScheduleNotice) -> list[Flowable]:
    rows = (
        ("Uiterste datum voor vragen", notice.previous_question_deadline, notice.question_deadline),
        (
            "Uiterste inschrijfdatum",
            notice.previous_submission_deadline,
            notice.submission_deadline,
        ),
        ("Opening van de inschrijvingen", notice.previous_planned_opening, notice.planned_opening),
    )
    lines = []
    for label, previous, new in rows:
        when = format_datetime(new).replace(" ", NO_BREAK_SPACE)
        if previous == new:
            lines.append(f"{label}: {when} (ongewijzigd)")
        else:
            before = format_datetime(previous).replace(" ", NO_BREAK_SPACE)
            lines.append(f"{label}: {when} (was {before})")
    return [
        *section_heading("Wijziging van de planning"),
        Paragraph("De planning van de aanbesteding is gewijzigd. De nieuwe data zijn:", BODY),
        *(Paragraph(escape(line), BODY) for line in lines),
        *user_paragraphs(notice.reason, label="Reden van de wijziging"),
    ]


def deadline_notice(previous: datetime | None, new: datetime | None) -> str | None:
    """The sentence announcing a moved submission deadline, or None if it did not move.

    Each date is glued to its time with a no-break space, so a line never ends
    between them.
    """
    if previous is None or new is None or previous == new:
        return None
    before = format_datetime(previous).replace(" ", NO_BREAK_SPACE)
    after = format_datetime(new).replace(" ", NO_BREAK_SPACE)
    return f"De uiterste inschrijfdatum is gewijzigd van {before} naar {after}."


def _item(item: QaNotaItem) -> list[Flowable]:
    heading = f"Vraag {item.number}"
    if item.section.strip():
        heading += f" · {markup(item.section.strip())}"
    return [
        *section_heading(heading),
        *user_paragraphs(item.question, label="Vraag"),
        *user_paragraphs(item.answer, label="Antwoord"),
    ]


def build_qa_nota(data: QaNotaData) -> bytes:
    """The nota of one Q&A round as a PDF; the same data gives the same bytes."""
    title = f"Nota van inlichtingen {data.round_number}"
    story: list[Flowable] = [
        Paragraph(markup(title), TITLE),
        Paragraph(
            f"{markup(data.tender_title)} · kenmerk {markup(data.tender_reference)}<br/>"
            f"Gepubliceerd op {format_datetime(data.published_at)}",
            SUBTITLE,
        ),
    ]
    notice = deadline_notice(data.previous_submission_deadline, data.new_submission_deadline)
    if notice is not None:
        story.append(Paragraph(escape(notice), NOTICE))
    contents = (
        "Deze nota maakt een wijziging van de planning bekend."
        if data.schedule_change is not None and not data.items
        else "Deze nota bevat de vragen die aanbieders over de aanbesteding hebben gesteld, "
        "met de antwoorden van de aanbestedende dienst. De vragen zijn geanonimiseerd."
    )
    story.append(
        Paragraph(
            f"{contents} De nota maakt onderdeel uit van de aanbestedingsdocumenten en is "
            "voor alle aanbieders gelijk.",
            BODY,
        )
    )
    if data.schedule_change is not None:
        story.extend(_schedule(data.schedule_change))
    if data.items:
        for item in data.items:
            story.extend(_item(item))
    elif data.schedule_change is None:
        story.append(Paragraph("In deze ronde zijn geen vragen gesteld.", BODY))
    story.append(
        Paragraph(
            "Dit document is automatisch opgesteld en daarom niet ondertekend.",
            CLOSING,
        )
    )
    return render(
        story,
        title=title,
        authority=data.contracting_authority,
        region=data.region,
        reference=data.tender_reference,
        subject=data.tender_title,
    )
