"""Moving the dates of a published tender: the one way to do it (issue 14 item 3).

The inkoper moves the question deadline and/or the submission deadline (the
planned opening moves with the submission deadline unless given itself), always
with a reason. The rules:

- only while the tender is published and its submission deadline has not passed;
- every new moment lies in the future; question deadline < submission deadline <=
  planned opening; the earliest award decision after the new deadline still leaves
  its standstill before the contract start (``tender.tenders.dates``);
- shortening the submission deadline is refused once any bid exists (a draft
  counts: someone is working on it) and otherwise needs an explicit confirmation
  naming the consequence; lengthening needs none.

Each change is published at once as its own nota van inlichtingen (stating the new
dates and the reason, equal for every provider), with a new planning annex; it is
audited and kept as a ``ScheduleChange`` for the tender page's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tender import audit
from tender.accounts.models import User
from tender.bids.models import Bid
from tender.documents.qa_nota import QaNotaData, ScheduleNotice, build_qa_nota
from tender.documents.service import QA_NOTA, store_document
from tender.errors import DomainError
from tender.qa import service as qa
from tender.qa.models import QaRound
from tender.tenders import dates, publication
from tender.tenders.models import Tender, TenderState
from tender.tenders.schedule_models import ScheduleChange
from tender.timefmt import format_datetime

MAX_REASON_CHARS = 2000


class ScheduleError(DomainError):
    pass


class ShorteningNotConfirmed(ScheduleError):
    """Shortening the submission deadline waits for the inkoper's explicit confirmation."""


@dataclass(frozen=True)
class NewDates:
    """The dates after the change; a date that does not move keeps its current value."""

    question_deadline: datetime
    submission_deadline: datetime
    planned_opening: datetime


def new_dates(
    tender: Tender,
    *,
    question_deadline: datetime | None,
    submission_deadline: datetime | None,
    planned_opening: datetime | None,
) -> NewDates:
    """The complete new schedule from what was typed (None: keep the current date).

    When the submission deadline moves and the opening is not given a new value,
    the opening moves by the same amount, so the time between them stays the same.
    """
    assert tender.question_deadline is not None
    assert tender.submission_deadline is not None
    assert tender.planned_opening is not None
    deadline = submission_deadline or tender.submission_deadline
    opening = planned_opening
    if opening is None or opening == tender.planned_opening:
        opening = tender.planned_opening + (deadline - tender.submission_deadline)
    return NewDates(
        question_deadline=question_deadline or tender.question_deadline,
        submission_deadline=deadline,
        planned_opening=opening,
    )


def change_allowed(tender: Tender, now: datetime) -> bool:
    """Whether the dates may move now: published and before the submission deadline."""
    return (
        tender.state == TenderState.PUBLISHED
        and tender.submission_deadline is not None
        and now < tender.submission_deadline
    )


def has_bids(session: Session, tender: Tender) -> bool:
    """Whether any bid exists, a draft included: someone is working towards the deadline."""
    return session.scalar(select(func.count(Bid.id)).where(Bid.tender_id == tender.id)) > 0


def shortening_consequence(tender: Tender, new: NewDates) -> str:
    """The consequence of shortening the submission deadline, in Dutch, for the confirmation."""
    assert tender.submission_deadline is not None
    return (
        f"De uiterste inschrijfdatum wordt vervroegd van "
        f"{format_datetime(tender.submission_deadline)} naar "
        f"{format_datetime(new.submission_deadline)}: aanbieders krijgen "
        f"{_duration(tender.submission_deadline - new.submission_deadline)} minder tijd om in te "
        "schrijven. Wie de nieuwe datum mist, kan niet meer inschrijven. Alle aanbieders "
        "krijgen direct bericht."
    )


def _duration(span: timedelta) -> str:
    days, hours, minutes = span.days, span.seconds // 3600, span.seconds % 3600 // 60
    parts = []
    if days:
        parts.append(f"{days} {'dag' if days == 1 else 'dagen'}")
    if hours:
        parts.append(f"{hours} uur")
    if minutes or not parts:
        parts.append(f"{minutes} {'minuut' if minutes == 1 else 'minuten'}")
    return " en ".join(parts)


def change_problems(
    session: Session, tender: Tender, new: NewDates, *, reason: str, now: datetime
) -> dict[str, str]:
    """Field name -> Dutch message for every problem with the new dates and the reason."""
    problems: dict[str, str] = {}
    in_future = f"Moet in de toekomst liggen (nu is het {format_datetime(now)})."
    if not (reason or "").strip():
        problems["reason"] = "Geef de reden van de wijziging; die komt in de nota van inlichtingen."
    elif len(reason.strip()) > MAX_REASON_CHARS:
        problems["reason"] = f"Gebruik maximaal {MAX_REASON_CHARS} tekens."

    question_moved = new.question_deadline != tender.question_deadline
    deadline_moved = new.submission_deadline != tender.submission_deadline
    if not question_moved and not deadline_moved and new.planned_opening == tender.planned_opening:
        problems.setdefault(
            "submission_deadline",
            "Geen enkele datum wijzigt. Vul een nieuwe datum in, of ga terug zonder te wijzigen.",
        )
        return problems
    if question_moved and new.question_deadline <= now:
        problems["question_deadline"] = in_future
    if deadline_moved:
        if new.submission_deadline <= now:
            problems["submission_deadline"] = in_future
        elif tender.contract_terms is not None and (
            standstill := dates.standstill_problems(
                tender.contract_terms.start_date,
                dates.earliest_sent_on(new.submission_deadline),
                tender.standstill_days,
            )
        ):
            problems["submission_deadline"] = " ".join(standstill)
        elif new.submission_deadline < tender.submission_deadline and has_bids(session, tender):
            problems["submission_deadline"] = (
                "De uiterste inschrijfdatum kan niet meer worden vervroegd: er is al een "
                "inschrijving (ook een concept telt, want daar wordt aan gewerkt). "
                "Alleen verlengen is nog mogelijk."
            )
    if "question_deadline" not in problems and new.question_deadline >= new.submission_deadline:
        problems["question_deadline"] = (
            "Moet vóór de uiterste inschrijfdatum "
            f"({format_datetime(new.submission_deadline)}) liggen."
        )
    if new.planned_opening != tender.planned_opening and new.planned_opening <= now:
        problems["planned_opening"] = in_future
    elif new.planned_opening < new.submission_deadline:
        problems["planned_opening"] = (
            "Mag niet vóór de uiterste inschrijfdatum "
            f"({format_datetime(new.submission_deadline)}) liggen."
        )
    return problems


def schedule_changes(session: Session, tender: Tender) -> list[ScheduleChange]:
    """Every schedule change of ``tender``, oldest first."""
    return list(
        session.scalars(
            select(ScheduleChange)
            .where(ScheduleChange.tender_id == tender.id)
            .order_by(ScheduleChange.number)
        )
    )


def latest_changes(session: Session, tender_ids: list[int]) -> dict[int, ScheduleChange]:
    """The most recent schedule change per tender, for the providers' start page."""
    latest: dict[int, ScheduleChange] = {}
    if not tender_ids:
        return latest
    for change in session.scalars(
        select(ScheduleChange)
        .where(ScheduleChange.tender_id.in_(tender_ids))
        .order_by(ScheduleChange.number)
    ):
        latest[change.tender_id] = change
    return latest


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def change_schedule(
    session: Session,
    *,
    tender: Tender,
    actor: User,
    now: datetime,
    storage_dir: Path,
    reason: str,
    question_deadline: datetime | None = None,
    submission_deadline: datetime | None = None,
    planned_opening: datetime | None = None,
    confirm_shortening: bool = False,
) -> ScheduleChange:
    """Move the dates of ``tender`` and publish the change as the next nota van inlichtingen.

    Raises ``ScheduleError`` on any rule above (the message names every problem) and
    ``ShorteningNotConfirmed`` when the submission deadline would be shortened without
    ``confirm_shortening``.
    """
    # One change or nota at a time per tender, and no bid start slips in unseen on
    # PostgreSQL between the check for bids and the commit of a shortening.
    session.execute(select(Tender.id).where(Tender.id == tender.id).with_for_update()).all()
    session.refresh(tender)
    if not change_allowed(tender, now):
        raise ScheduleError(
            "De planning kan alleen worden gewijzigd zolang de aanbesteding gepubliceerd is "
            "en de uiterste inschrijfdatum niet is verstreken."
        )
    new = new_dates(
        tender,
        question_deadline=question_deadline,
        submission_deadline=submission_deadline,
        planned_opening=planned_opening,
    )
    problems = change_problems(session, tender, new, reason=reason, now=now)
    if problems:
        raise ScheduleError(" ".join(problems.values()))
    assert tender.question_deadline is not None
    assert tender.submission_deadline is not None
    assert tender.planned_opening is not None
    shortened = new.submission_deadline < tender.submission_deadline
    if shortened and not confirm_shortening:
        raise ShorteningNotConfirmed(shortening_consequence(tender, new))

    number = (
        session.scalar(select(func.max(QaRound.number)).where(QaRound.tender_id == tender.id)) or 0
    ) + 1
    deadline_moved = new.submission_deadline != tender.submission_deadline
    qa_round = QaRound(
        tender=tender,
        number=number,
        published_at=now,
        published_by_id=actor.id,
        previous_submission_deadline=tender.submission_deadline if deadline_moved else None,
        new_submission_deadline=new.submission_deadline if deadline_moved else None,
    )
    session.add(qa_round)
    change_number = (
        session.scalar(
            select(func.max(ScheduleChange.number)).where(ScheduleChange.tender_id == tender.id)
        )
        or 0
    ) + 1
    change = ScheduleChange(
        tender=tender,
        qa_round=qa_round,
        number=change_number,
        changed_at=now,
        changed_by_id=actor.id,
        reason=reason.strip(),
        old_question_deadline=tender.question_deadline,
        new_question_deadline=new.question_deadline,
        old_submission_deadline=tender.submission_deadline,
        new_submission_deadline=new.submission_deadline,
        old_planned_opening=tender.planned_opening,
        new_planned_opening=new.planned_opening,
    )
    session.add(change)
    tender.question_deadline = new.question_deadline
    tender.submission_deadline = new.submission_deadline
    tender.planned_opening = new.planned_opening
    session.flush()

    filename = qa.nota_filename(tender, number)
    data = QaNotaData(
        tender_reference=tender.reference,
        tender_title=tender.title,
        contracting_authority=tender.contracting_authority,
        region=tender.region,
        round_number=number,
        published_at=now,
        items=(),
        previous_submission_deadline=qa_round.previous_submission_deadline,
        new_submission_deadline=qa_round.new_submission_deadline,
        schedule_change=ScheduleNotice(
            reason=change.reason,
            question_deadline=change.new_question_deadline,
            submission_deadline=change.new_submission_deadline,
            planned_opening=change.new_planned_opening,
            previous_question_deadline=change.old_question_deadline,
            previous_submission_deadline=change.old_submission_deadline,
            previous_planned_opening=change.old_planned_opening,
        ),
    )
    document = store_document(
        session,
        storage_dir=storage_dir,
        tender_id=tender.id,
        kind=QA_NOTA,
        filename=filename,
        build=lambda: build_qa_nota(data),
        now=now,
        actor_id=actor.id,
    )
    qa_round.document = document
    planning = publication.store_planning_annex(
        session,
        tender=tender,
        round_number=number,
        previous_submission_deadline=change.old_submission_deadline,
        previous_planned_opening=change.old_planned_opening,
        storage_dir=storage_dir,
        actor=actor,
        now=now,
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tender.schedule_changed",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=now,
        details={
            "nota": number,
            "reden": change.reason,
            "vragen_tot_oud": _iso(change.old_question_deadline),
            "vragen_tot_nieuw": _iso(change.new_question_deadline),
            "inschrijven_tot_oud": _iso(change.old_submission_deadline),
            "inschrijven_tot_nieuw": _iso(change.new_submission_deadline),
            "opening_oud": _iso(change.old_planned_opening),
            "opening_nieuw": _iso(change.new_planned_opening),
            "vervroegd": shortened,
            "planning": planning.filename,
            "planning_sha256": planning.sha256,
        },
    )
    audit.record(
        session,
        actor=actor,
        action="qa.publish",
        object_type="qa_round",
        object_id=qa_round.id,
        tender_id=tender.id,
        now=now,
        details={"nota": number, "vragen": [], "document": filename, "sha256": document.sha256},
    )
    return change


def change_notification(change: ScheduleChange, *, nota_url: str) -> tuple[str, str]:
    """(subject, body) of the message to every provider: the new dates and the reason.

    The same text for everyone, naming no provider."""
    tender = change.tender
    number = change.qa_round.number
    lines = [
        "Geachte heer/mevrouw,",
        "",
        f"De planning van de aanbesteding ‘{tender.title}’ (kenmerk {tender.reference}) is "
        f"gewijzigd en bekendgemaakt in nota van inlichtingen {number}. De nieuwe data:",
        "",
    ]
    for label, old, new in (
        ("Uiterste datum voor vragen", change.old_question_deadline, change.new_question_deadline),
        ("Uiterste inschrijfdatum", change.old_submission_deadline, change.new_submission_deadline),
        ("Opening van de inschrijvingen", change.old_planned_opening, change.new_planned_opening),
    ):
        status = "ongewijzigd" if old == new else f"was {format_datetime(old)}"
        lines.append(f"- {label}: {format_datetime(new)} ({status})")
    if change.shortened:
        lines += ["", "Let op: de uiterste inschrijfdatum is vervroegd."]
    lines += [
        "",
        "Reden van de wijziging:",
        change.reason,
        "",
        "U leest de nota (en downloadt de pdf) na inloggen op:",
        nota_url,
        "",
        "Met vriendelijke groet,",
        tender.contracting_authority,
        "",
        "Dit bericht is automatisch verstuurd; u kunt er niet op antwoorden.",
    ]
    prefix = "Uiterste inschrijfdatum vervroegd" if change.shortened else "Planning gewijzigd"
    return f"{prefix} (nota van inlichtingen {number}) – {tender.reference}", "\n".join(lines)
