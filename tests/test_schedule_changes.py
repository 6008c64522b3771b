"""Moving a published tender's dates as its own action (issue 14 item 3).

The inkoper moves the question and/or submission deadline (the opening moves with
it) with a reason; refused in the past, in the DST gap and after the deadline;
shortening is refused once any bid exists and otherwise needs a confirmation; the
change is published as a nota stating the new dates, mailed to every provider,
shown in the portal and on the tender page, and audited.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from factories import ask_question, login, make_published_tender, make_user
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock, notifications, timefmt
from tender.accounts.models import Role, User
from tender.audit import AuditEvent
from tender.bids import service as bids
from tender.documents.service import documents_dir, read_document
from tender.qa import service as qa
from tender.qa.models import QaRound
from tender.tenders import schedule
from tender.tenders.models import Tender
from tender.tenders.schedule_models import ScheduleChange
from tender.timefmt import format_datetime

REASON = "De gemeenteraad van Lopik besluit pas op 10 december over het budget."


class People:
    def __init__(self, session: Session, now: datetime) -> None:
        self.officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
        self.provider_a = make_user(session, Role.PROVIDER, now=now)
        self.provider_b = make_user(session, Role.PROVIDER, now=now)
        self.council = make_user(session, Role.ADVISORY_COUNCIL, now=now)


@pytest.fixture
def people(session: Session, now: datetime) -> People:
    result = People(session, now)
    session.commit()
    return result


@pytest.fixture
def tender(session: Session, now: datetime, people: People) -> Tender:
    published = make_published_tender(session, now=now)
    session.commit()
    clock.set_clock(lambda: now)
    return published


def client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    login(client, user)
    return client


def url(tender: Tender) -> str:
    return f"/aanbestedingen/{tender.id}/planning-wijzigen"


def form_values(tender: Tender, **moments: datetime) -> dict[str, str]:
    """The form as the page fills it in (the current dates), with ``moments`` typed over."""
    values: dict[str, str] = {}
    for name in ("question_deadline", "submission_deadline", "planned_opening"):
        local = timefmt.to_local(moments.get(name) or getattr(tender, name))
        values[f"{name}_date"] = local.strftime("%Y-%m-%d")
        values[f"{name}_time"] = local.strftime("%H:%M")
    return values


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def outbox(app: Flask) -> list:  # type: ignore[type-arg]
    folder = notifications.outbox_dir(app.instance_path)
    paths = sorted(folder.glob("*.eml")) if folder.is_dir() else []
    return [BytesParser(policy=policy.default).parsebytes(path.read_bytes()) for path in paths]


def test_lengthening_is_published_as_a_nota_mailed_shown_and_audited(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    officer = client_for(app, people.officer)
    old_question = tender.question_deadline
    old_deadline, old_opening = tender.submission_deadline, tender.planned_opening
    assert old_question and old_deadline and old_opening
    new_deadline = old_deadline + timedelta(days=7)

    page = officer.get(url(tender)).get_data(as_text=True)
    assert "Planning wijzigen" in page
    form = form_values(tender, submission_deadline=new_deadline) | {"reason": REASON}
    response = officer.post(url(tender), data=form)
    assert response.status_code == 302  # lengthening needs no confirmation

    session.refresh(tender)
    assert tender.submission_deadline == new_deadline
    # The opening moved with the deadline; the question deadline stayed.
    assert tender.planned_opening == old_opening + timedelta(days=7)
    assert tender.question_deadline == old_question
    change = session.scalars(select(ScheduleChange)).one()
    assert (change.reason, change.changed_by_id) == (REASON, people.officer.id)
    assert (change.old_submission_deadline, change.new_submission_deadline) == (
        old_deadline,
        new_deadline,
    )

    # Published as nota 1, whose PDF states every new date and the reason.
    qa_round = session.scalars(select(QaRound)).one()
    assert change.qa_round_id == qa_round.id and qa_round.number == 1
    assert qa_round.new_submission_deadline == new_deadline
    assert qa_round.document is not None
    text = pdf_text(read_document(qa_round.document, storage_dir=documents_dir(app.instance_path)))
    for moment in (old_question, new_deadline, tender.planned_opening):
        assert format_datetime(moment) in text
    assert "Opening van de inschrijvingen" in text and REASON in text
    assert f"(was {format_datetime(old_opening)})" in text

    # Audited: who, old and new dates, reason.
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tender.schedule_changed")
    ).one()
    assert event.actor_id == people.officer.id
    assert event.details["reden"] == REASON
    assert event.details["inschrijven_tot_oud"] == old_deadline.isoformat()
    assert event.details["inschrijven_tot_nieuw"] == new_deadline.isoformat()
    assert event.details["opening_nieuw"] == tender.planned_opening.isoformat()
    assert event.details["vervroegd"] is False

    # Every provider account a message of its own, naming no one else.
    messages = outbox(app)
    assert sorted(m["To"] for m in messages) == sorted(
        [people.provider_a.email, people.provider_b.email]
    )
    for message in messages:
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert format_datetime(new_deadline) in body and REASON in body
        assert people.provider_a.email not in body and people.provider_b.email not in body
        assert "Planning gewijzigd" in message["Subject"]

    # In the portal: a notice on the provider's start page, and the history on the
    # tender page, for providers and the advisory council alike.
    provider = client_for(app, people.provider_a)
    home = provider.get("/aanbieder").get_data(as_text=True)
    assert "Planning gewijzigd op" in home and REASON in home
    for reader in (provider, client_for(app, people.council)):
        show = reader.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
        assert "Wijzigingen van de planning" in show and REASON in show
        assert format_datetime(new_deadline) in show
        assert "Planning wijzigen" not in show  # the action is the inkoper's
    nota = provider.get(f"/aanbestedingen/{tender.id}/nota-van-inlichtingen")
    assert "Nota van inlichtingen 1" in nota.get_data(as_text=True)


def test_a_reason_is_required_and_what_was_typed_is_kept(
    app: Flask, session: Session, people: People, tender: Tender
) -> None:
    assert tender.submission_deadline is not None
    new_deadline = tender.submission_deadline + timedelta(days=3)
    form = form_values(tender, submission_deadline=new_deadline) | {"reason": "   "}
    html = client_for(app, people.officer).post(url(tender), data=form).get_data(as_text=True)
    assert "Geef de reden van de wijziging" in html or "Dit veld is verplicht." in html
    assert form["submission_deadline_date"] in html
    assert session.scalar(select(ScheduleChange)) is None
    with pytest.raises(schedule.ScheduleError, match="Geef de reden"):
        schedule.change_schedule(
            session,
            tender=tender,
            actor=people.officer,
            now=clock.now(),
            storage_dir=documents_dir(app.instance_path),
            reason="",
            submission_deadline=new_deadline,
        )


@pytest.mark.parametrize(
    ("field", "shift", "message"),
    [
        ("submission_deadline", timedelta(hours=-1), "Moet in de toekomst liggen"),
        ("question_deadline", timedelta(hours=-1), "Moet in de toekomst liggen"),
        ("question_deadline", timedelta(days=25), "Moet vóór de uiterste inschrijfdatum"),
        ("planned_opening", timedelta(days=19), "Mag niet vóór de uiterste inschrijfdatum"),
    ],
)
def test_impossible_dates_are_refused_on_the_page(
    app: Flask,
    session: Session,
    people: People,
    tender: Tender,
    now: datetime,
    field: str,
    shift: timedelta,
    message: str,
) -> None:
    form = form_values(tender, **{field: now + shift}) | {"reason": REASON}
    response = client_for(app, people.officer).post(url(tender), data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and 'aria-invalid="true"' in html
    assert session.scalar(select(ScheduleChange)) is None


def test_a_time_in_the_dst_gap_is_refused(
    app: Flask, session: Session, people: People, tender: Tender
) -> None:
    # 28 March 2027: the clock jumps from 02:00 to 03:00; 02:30 does not exist.
    form = form_values(tender) | {
        "submission_deadline_date": "2027-03-28",
        "submission_deadline_time": "02:30",
        "reason": REASON,
    }
    html = client_for(app, people.officer).post(url(tender), data=form).get_data(as_text=True)
    assert "bestaat niet" in html
    assert session.scalar(select(ScheduleChange)) is None


def test_the_standstill_must_still_end_before_the_contract_start(
    session: Session, people: People, tender: Tender, now: datetime
) -> None:
    start = tender.contract_terms.start_date
    too_late = datetime.combine(start - timedelta(days=11), datetime.min.time(), tzinfo=UTC)
    new = schedule.new_dates(
        tender, question_deadline=None, submission_deadline=too_late, planned_opening=None
    )
    problems = schedule.change_problems(session, tender, new, reason=REASON, now=now)
    assert set(problems) == {"submission_deadline"}
    assert "opschortende termijn" in problems["submission_deadline"]
    assert f"({start:%d-%m-%Y})" in problems["submission_deadline"]


def test_no_change_after_the_deadline(
    app: Flask, session: Session, people: People, tender: Tender
) -> None:
    assert tender.submission_deadline is not None
    after = tender.submission_deadline
    with pytest.raises(schedule.ScheduleError, match="niet is verstreken"):
        schedule.change_schedule(
            session,
            tender=tender,
            actor=people.officer,
            now=after,
            storage_dir=documents_dir(app.instance_path),
            reason=REASON,
            submission_deadline=after + timedelta(days=7),
        )
    session.rollback()
    clock.set_clock(lambda: after)
    officer = client_for(app, people.officer)
    form = form_values(tender, submission_deadline=after + timedelta(days=7)) | {"reason": REASON}
    html = officer.post(url(tender), data=form).get_data(as_text=True)
    assert "niet is verstreken" in html
    session.expire_all()
    assert session.scalar(select(ScheduleChange)) is None
    assert session.get(Tender, tender.id).submission_deadline == after


def test_shortening_without_bids_needs_an_explicit_confirmation(
    app: Flask, session: Session, people: People, tender: Tender
) -> None:
    officer = client_for(app, people.officer)
    old_deadline = tender.submission_deadline
    assert old_deadline is not None
    shorter = old_deadline - timedelta(days=2)
    form = form_values(tender, submission_deadline=shorter) | {"reason": REASON}

    first = officer.post(url(tender), data=form)
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Bevestig het vervroegen" in html and "2 dagen minder tijd" in html
    assert REASON in html  # nothing typed is lost
    session.expire_all()
    assert session.get(Tender, tender.id).submission_deadline == old_deadline
    assert session.scalar(select(ScheduleChange)) is None
    confirmed_for = re.search(r'name="confirmed_deadline"[^>]*value="([^"]+)"', html)
    assert confirmed_for is not None and confirmed_for.group(1) == shorter.isoformat()

    # A confirmation of one date does not confirm another.
    other = form_values(tender, submission_deadline=shorter - timedelta(days=1))
    again = officer.post(
        url(tender),
        data=other
        | {"reason": REASON, "confirmed_deadline": shorter.isoformat()}
        | {"confirm_shortening": "y"},
    )
    assert "bevestig opnieuw" in again.get_data(as_text=True)
    assert session.scalar(select(ScheduleChange)) is None

    done = officer.post(
        url(tender),
        data=form | {"confirmed_deadline": shorter.isoformat(), "confirm_shortening": "y"},
    )
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Tender, tender.id).submission_deadline == shorter
    change = session.scalars(select(ScheduleChange)).one()
    assert change.shortened
    assert all("vervroegd" in message["Subject"] for message in outbox(app))


def test_shortening_is_refused_once_a_draft_bid_exists(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    bids.start_bid(
        session,
        tender=tender,
        organisation=people.provider_a.organisation,
        actor=people.provider_a,
        now=now,
    )
    session.commit()
    assert tender.submission_deadline is not None
    shorter = tender.submission_deadline - timedelta(days=2)
    with pytest.raises(schedule.ScheduleError, match="ook een concept telt"):
        schedule.change_schedule(
            session,
            tender=tender,
            actor=people.officer,
            now=now,
            storage_dir=documents_dir(app.instance_path),
            reason=REASON,
            submission_deadline=shorter,
            confirm_shortening=True,
        )
    session.rollback()
    form = form_values(tender, submission_deadline=shorter) | {
        "reason": REASON,
        "confirmed_deadline": shorter.isoformat(),
        "confirm_shortening": "y",
    }
    html = client_for(app, people.officer).post(url(tender), data=form).get_data(as_text=True)
    assert "ook een concept telt" in html
    assert session.scalar(select(ScheduleChange)) is None
    # Lengthening is still possible.
    longer = tender.submission_deadline + timedelta(days=2)
    change = schedule.change_schedule(
        session,
        tender=tender,
        actor=people.officer,
        now=now,
        storage_dir=documents_dir(app.instance_path),
        reason=REASON,
        submission_deadline=longer,
    )
    assert change.new_submission_deadline == longer


def test_moving_only_the_question_deadline(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    assert tender.question_deadline and tender.submission_deadline and tender.planned_opening
    deadline, opening = tender.submission_deadline, tender.planned_opening
    later = tender.question_deadline + timedelta(days=3)
    change = schedule.change_schedule(
        session,
        tender=tender,
        actor=people.officer,
        now=now,
        storage_dir=documents_dir(app.instance_path),
        reason=REASON,
        question_deadline=later,
    )
    assert tender.question_deadline == later
    assert (tender.submission_deadline, tender.planned_opening) == (deadline, opening)
    assert change.qa_round.new_submission_deadline is None  # the deadline did not move
    assert qa.questions_open(tender, later - timedelta(seconds=1))


def test_publishing_answers_never_moves_a_date(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    """One way to move the dates: the Q&A publication ignores any date sent along."""
    question = ask_question(session, tender, asker=people.provider_a, now=now)
    qa.answer_question(session, question=question, answer="Ja.", actor=people.officer, now=now)
    session.commit()
    deadline = tender.submission_deadline
    assert deadline is not None
    day, moment = timefmt.to_local(deadline - timedelta(days=5)).strftime("%Y-%m-%d %H:%M").split()
    response = client_for(app, people.officer).post(
        f"/aanbestedingen/{tender.id}/vragen/publiceren",
        data={"new_submission_deadline_date": day, "new_submission_deadline_time": moment},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Tender, tender.id).submission_deadline == deadline
    assert session.scalars(select(QaRound)).one().new_submission_deadline is None
    page = client_for(app, people.officer).get(f"/aanbestedingen/{tender.id}/vragen/publiceren")
    assert "new_submission_deadline" not in page.get_data(as_text=True)


def test_only_the_inkoper_may_change_the_schedule(
    app: Flask, session: Session, people: People, tender: Tender
) -> None:
    form = form_values(tender) | {"reason": REASON}
    for user in (people.provider_a, people.council):
        client = client_for(app, user)
        assert client.get(url(tender)).status_code == 403
        assert client.post(url(tender), data=form).status_code == 403
    assert session.scalar(select(ScheduleChange)) is None


def test_the_nota_pdf_builder_states_schedule_and_reason(tmp_path: Path) -> None:
    from tender.documents.qa_nota import QaNotaData, ScheduleNotice, build_qa_nota

    moment = datetime(2026, 12, 14, 13, 0, tzinfo=UTC)
    notice = ScheduleNotice(
        reason=REASON,
        question_deadline=moment - timedelta(days=10),
        submission_deadline=moment + timedelta(days=7),
        planned_opening=moment + timedelta(days=7, hours=2),
        previous_question_deadline=moment - timedelta(days=10),
        previous_submission_deadline=moment,
        previous_planned_opening=moment + timedelta(hours=2),
    )
    data = QaNotaData(
        tender_reference="LEK-1",
        tender_title="Begeleiding",
        contracting_authority="Regio Lekstroom",
        region="Lekstroom",
        round_number=2,
        published_at=moment - timedelta(days=1),
        items=(),
        previous_submission_deadline=moment,
        new_submission_deadline=moment + timedelta(days=7),
        schedule_change=notice,
    )
    text = pdf_text(build_qa_nota(data))
    assert "Wijziging van de planning" in text and REASON in text
    assert f"Opening van de inschrijvingen: {format_datetime(notice.planned_opening)}" in text
    assert "(ongewijzigd)" in text
