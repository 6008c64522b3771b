"""Questions and the nota van inlichtingen: equal treatment (rule 3), deadlines, notifications."""

from __future__ import annotations

import io
import re
import smtplib
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from factories import ROOT, ask_question, login, make_published_tender, make_user, publish_qa_round
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock, notifications
from tender.accounts.models import Role, User
from tender.audit import AuditEvent
from tender.documents.service import documents_dir
from tender.qa import service as qa
from tender.qa.models import QaRound, Question
from tender.tenders.models import Tender

QUESTION = "Mogen wij de begeleiding in Lopik laten uitvoeren door een onderaannemer?"
ANSWER = "Ja, mits u de onderaannemer vermeldt in uw inschrijving."


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


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def outbox_files(app: Flask) -> list[Path]:
    folder = notifications.outbox_dir(app.instance_path)
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def test_question_is_asked_answered_published_and_read_anonymously(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    """The acceptance flow of the issue."""
    asker = client_for(app, people.provider_a)
    other = client_for(app, people.provider_b)
    officer = client_for(app, people.officer)
    organisation_a = people.provider_a.organisation
    assert organisation_a is not None
    section = qa.section_choices(tender)[2]  # the first requirement
    assert section.startswith("E1 – ")

    response = asker.post(
        f"/aanbestedingen/{tender.id}/vragen", data={"section": section, "text": QUESTION}
    )
    assert response.status_code == 302
    own_page = page(asker, f"/aanbestedingen/{tender.id}/vragen")
    assert QUESTION in own_page and "In behandeling" in own_page

    # The inkoper sees the question, but not who asked it.
    manage = page(officer, f"/aanbestedingen/{tender.id}/vragen/beheer")
    assert QUESTION in manage
    for identifying in (organisation_a.name, organisation_a.kvk_number, people.provider_a.email):
        assert identifying not in manage
    question = session.scalars(select(Question)).one()
    response = officer.post(
        f"/aanbestedingen/{tender.id}/vragen/{question.id}/antwoord", data={"answer": ANSWER}
    )
    assert response.status_code == 302
    # A draft answer is nobody's business yet, the asker's included.
    assert ANSWER not in page(asker, f"/aanbestedingen/{tender.id}/vragen")
    assert ANSWER not in page(other, f"/aanbestedingen/{tender.id}/nota-van-inlichtingen")

    confirmation = page(officer, f"/aanbestedingen/{tender.id}/vragen/publiceren")
    assert QUESTION in confirmation and ANSWER in confirmation

    deadline = tender.submission_deadline
    response = officer.post(f"/aanbestedingen/{tender.id}/vragen/publiceren", data={})
    assert response.status_code == 302

    session.refresh(tender)
    assert tender.submission_deadline == deadline  # answers never move a date
    qa_round = session.scalars(select(QaRound)).one()
    assert qa_round.number == 1
    assert qa_round.new_submission_deadline is None

    # Another provider reads question and answer, and nothing about who asked.
    nota = page(other, f"/aanbestedingen/{tender.id}/nota-van-inlichtingen")
    assert QUESTION in nota and ANSWER in nota and section in nota
    for identifying in (
        organisation_a.name,
        organisation_a.kvk_number,
        people.provider_a.email,
        people.provider_a.name,
    ):
        assert identifying not in nota
    assert page(asker, f"/aanbestedingen/{tender.id}/vragen").count("nota van inlichtingen 1") == 1

    # The PDF: the same bytes for everyone, with question and answer.
    pdf_url = f"/aanbestedingen/{tender.id}/nota-van-inlichtingen/1.pdf"
    download = other.get(pdf_url)
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="nota-van-inlichtingen-LEK-WMO-IB-2022-1.pdf"; '
        "filename*=UTF-8''nota-van-inlichtingen-LEK-WMO-IB-2022-1.pdf"
    )
    assert asker.get(pdf_url).data == download.data
    text = pdf_text(download.data)
    assert QUESTION in text and ANSWER in text
    assert organisation_a.name not in text

    # The audit trail does not name the asker either.
    asked = session.scalars(select(AuditEvent).where(AuditEvent.action == "question.ask")).one()
    assert asked.actor_id is None and people.provider_a.email not in asked.actor_label

    # Every provider account got a message of its own (no SMTP server: the outbox).
    messages = [
        BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        for path in outbox_files(app)
    ]
    assert sorted(message["To"] for message in messages) == sorted(
        [people.provider_a.email, people.provider_b.email]
    )
    assert all(tender.reference in message["Subject"] for message in messages)
    body = messages[0].get_body(preferencelist=("plain",)).get_content()
    assert f"/aanbestedingen/{tender.id}/nota-van-inlichtingen" in body


def test_question_accepted_one_second_before_the_deadline_refused_at_it(
    app: Flask, session: Session, people: People, tender: Tender
) -> None:
    deadline = tender.question_deadline
    assert deadline is not None
    asker = client_for(app, people.provider_a)
    url = f"/aanbestedingen/{tender.id}/vragen"

    clock.set_clock(lambda: deadline - timedelta(seconds=1))
    assert asker.post(url, data={"section": "", "text": "Eerste vraag?"}).status_code == 302

    clock.set_clock(lambda: deadline)
    refused = asker.post(url, data={"section": "", "text": "Te late vraag?"})
    html = refused.get_data(as_text=True)
    assert "De termijn voor vragen is verstreken" in html
    assert "Te late vraag?" in html  # what was typed is not lost
    assert [q.text for q in session.scalars(select(Question))] == ["Eerste vraag?"]


def test_ask_form_keeps_text_when_too_long(
    app: Flask, session: Session, people: People, tender: Tender
) -> None:
    text = "Waarom? " * 700
    response = client_for(app, people.provider_a).post(
        f"/aanbestedingen/{tender.id}/vragen", data={"section": "Algemeen", "text": text}
    )
    html = response.get_data(as_text=True)
    assert "Gebruik maximaal 5000 tekens." in html
    assert text.strip() in html
    assert session.scalar(select(Question)) is None


def test_provider_cannot_see_another_organisations_unpublished_question(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    ask_question(session, tender, asker=people.provider_a, now=now, text=QUESTION)
    session.commit()
    other = client_for(app, people.provider_b)
    assert QUESTION not in page(other, f"/aanbestedingen/{tender.id}/vragen")
    assert QUESTION not in page(other, f"/aanbestedingen/{tender.id}/nota-van-inlichtingen")
    assert QUESTION in page(
        client_for(app, people.provider_a), f"/aanbestedingen/{tender.id}/vragen"
    )


def test_answering_after_publication_is_refused(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    question = ask_question(session, tender, asker=people.provider_a, now=now)
    publish_qa_round(
        session,
        tender,
        question=question,
        officer=people.officer,
        now=now,
        storage_dir=documents_dir(app.instance_path),
        answer=ANSWER,
    )
    session.commit()
    with pytest.raises(qa.QaError, match="al gepubliceerd"):
        qa.answer_question(
            session, question=question, answer="Toch anders.", actor=people.officer, now=now
        )
    session.rollback()
    response = client_for(app, people.officer).post(
        f"/aanbestedingen/{tender.id}/vragen/{question.id}/antwoord",
        data={"answer": "Toch anders."},
    )
    assert "al gepubliceerd" in response.get_data(as_text=True)
    session.refresh(question)
    assert question.answer == ANSWER


def test_publishing_without_answered_questions_is_refused(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    ask_question(session, tender, asker=people.provider_a, now=now)  # not answered
    session.commit()
    with pytest.raises(qa.QaError, match="geen beantwoorde vragen"):
        qa.publish_round(
            session,
            tender=tender,
            actor=people.officer,
            now=now,
            storage_dir=documents_dir(app.instance_path),
        )
    session.rollback()
    response = client_for(app, people.officer).post(
        f"/aanbestedingen/{tender.id}/vragen/publiceren", data={}
    )
    assert "geen beantwoorde vragen" in response.get_data(as_text=True)
    assert session.scalar(select(QaRound)) is None
    assert outbox_files(app) == []


def _answered(session: Session, tender: Tender, people: People, now: datetime) -> Question:
    question = ask_question(session, tender, asker=people.provider_a, now=now)
    qa.answer_question(session, question=question, answer=ANSWER, actor=people.officer, now=now)
    session.commit()
    return question


def test_rounds_are_numbered_and_publishing_without_moving_keeps_the_dates(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    storage = documents_dir(app.instance_path)
    deadline = tender.submission_deadline
    for expected in (1, 2):
        question = ask_question(session, tender, asker=people.provider_b, now=now)
        qa_round = publish_qa_round(
            session, tender, question=question, officer=people.officer, now=now, storage_dir=storage
        )
        assert qa_round.number == expected
        assert qa_round.previous_submission_deadline is None
        assert qa_round.document is not None
        assert qa_round.document.filename.endswith(f"-{expected}.pdf")
    session.commit()
    assert tender.submission_deadline == deadline
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.action == "tender.deadline_moved"))
        is None
    )
    nota = page(
        client_for(app, people.council), f"/aanbestedingen/{tender.id}/nota-van-inlichtingen"
    )
    assert "Nota van inlichtingen 1" in nota and "Nota van inlichtingen 2" in nota


def test_revealing_the_asker_is_a_post_and_is_audited(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    """Showing who asked is a POST (a GET never changes state, issue 13): the old query
    parameter reveals nothing and writes nothing; the button posts and is audited."""
    question = ask_question(session, tender, asker=people.provider_a, now=now)
    session.commit()
    organisation = people.provider_a.organisation
    assert organisation is not None
    officer = client_for(app, people.officer)
    url = f"/aanbestedingen/{tender.id}/vragen/beheer"
    reveal = f"/aanbestedingen/{tender.id}/vragen/{question.id}/aanbieder-tonen"
    manage = page(officer, url)
    assert organisation.name not in manage and f'action="{reveal}"' in manage

    def reveals() -> int:
        session.expire_all()
        return len(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == "question.reveal_asker")
            ).all()
        )

    assert organisation.name not in page(officer, f"{url}?toon_aanbieder={question.id}")
    assert reveals() == 0
    assert officer.get(reveal).status_code == 405
    assert reveals() == 0
    response = officer.post(reveal)
    assert response.status_code == 200
    revealed = response.get_data(as_text=True)
    assert organisation.name in revealed and organisation.kvk_number in revealed
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "question.reveal_asker")
    ).one()
    assert event.actor_id == people.officer.id and event.object_id == question.id
    # The page after the reveal no longer names the asker.
    assert organisation.name not in page(officer, url)


def test_revealing_the_asker_needs_a_question_of_this_tender(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    question = ask_question(session, tender, asker=people.provider_a, now=now)
    other = make_published_tender(
        session, now=now, path=ROOT / "tests" / "criteria" / "files" / "three-lots-ranked.toml"
    )
    session.commit()
    officer = client_for(app, people.officer)
    base = "/aanbestedingen/{}/vragen/{}/aanbieder-tonen"
    assert officer.post(base.format(other.id, question.id)).status_code == 404
    assert officer.post(base.format(tender.id, 999_999)).status_code == 404
    provider = client_for(app, people.provider_b)
    assert provider.post(base.format(tender.id, question.id)).status_code == 403
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.action == "question.reveal_asker"))
        is None
    )


def test_outbox_lists_messages_and_refuses_names_outside_it(
    app: Flask, people: People, now: datetime
) -> None:
    notifications.send_mail(
        app.config,
        instance_path=app.instance_path,
        to=["a@example.org", "b@example.org"],
        subject="Testbericht",
        body="Inhoud van het bericht.",
        now=now,
    )
    (Path(app.instance_path) / "outbox" / "notitie.txt").write_text("geen bericht")
    officer = client_for(app, people.officer)
    listing = page(officer, "/uitgaande-berichten")
    names = re.findall(r'href="/uitgaande-berichten/([^"]+)"', listing)
    assert len(names) == 2 and names == sorted(names, reverse=True)
    assert "Inhoud van het bericht." in page(officer, f"/uitgaande-berichten/{names[0]}")
    for name in ("..", "..%2Fsecret_key", "%2E%2E%2Fsecret_key", "notitie.txt", "secret_key"):
        assert officer.get(f"/uitgaande-berichten/{name}").status_code == 404, name
    assert client_for(app, people.provider_a).get("/uitgaande-berichten").status_code == 403


class FakeSMTP:
    """Stands in for ``smtplib.SMTP``; records what would have been sent."""

    instances: list[FakeSMTP] = []
    fail_on_message: int | None = None

    def __init__(self, host: str, port: int, timeout: float | None = None) -> None:
        self.host, self.port = host, port
        self.calls: list[str] = []
        self.sent: list[Any] = []
        FakeSMTP.instances.append(self)

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append("quit")

    def starttls(self) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(f"login {user}:{password}")

    def send_message(self, message: Any) -> None:
        if FakeSMTP.fail_on_message is not None and len(self.sent) == FakeSMTP.fail_on_message:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})
        self.sent.append(message)


@pytest.fixture
def fake_smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    FakeSMTP.instances = []
    FakeSMTP.fail_on_message = None
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


SMTP_CONFIG = {
    "SMTP_HOST": "smtp.example.org",
    "SMTP_PORT": "587",
    "SMTP_USERNAME": "tender",
    "SMTP_PASSWORD": "geheim",
    "SMTP_STARTTLS": True,
    "MAIL_FROM": "aanbesteding@lekstroom.example",
}


def test_smtp_sends_each_recipient_a_message_of_its_own(
    fake_smtp: type[FakeSMTP], tmp_path: Path, now: datetime
) -> None:
    notifications.send_mail(
        SMTP_CONFIG,
        instance_path=str(tmp_path),
        to=["a@example.org", "b@example.org", "a@example.org"],
        subject="Nota",
        body="Tekst",
        now=now,
    )
    (smtp,) = fake_smtp.instances
    assert (smtp.host, smtp.port) == ("smtp.example.org", 587)
    assert smtp.calls == ["starttls", "login tender:geheim", "quit"]
    assert [m["To"] for m in smtp.sent] == ["a@example.org", "b@example.org"]
    assert all(m["From"] == "aanbesteding@lekstroom.example" for m in smtp.sent)
    assert not (tmp_path / "outbox").exists()


def test_smtp_without_user_name_does_not_log_in(
    fake_smtp: type[FakeSMTP], tmp_path: Path, now: datetime
) -> None:
    config = SMTP_CONFIG | {"SMTP_USERNAME": None}
    notifications.send_mail(
        config, instance_path=str(tmp_path), to=["a@example.org"], subject="S", body="B", now=now
    )
    assert fake_smtp.instances[0].calls == ["quit"]


def test_smtp_failure_puts_the_unsent_messages_in_the_outbox(
    fake_smtp: type[FakeSMTP], tmp_path: Path, now: datetime
) -> None:
    fake_smtp.fail_on_message = 1
    with pytest.raises(notifications.MailNotSent) as failure:
        notifications.send_mail(
            SMTP_CONFIG,
            instance_path=str(tmp_path),
            to=["a@example.org", "b@example.org", "c@example.org"],
            subject="Nota",
            body="Tekst",
            now=now,
        )
    assert failure.value.unsent == 2
    assert [m.recipient for m in notifications.outbox_messages(str(tmp_path))] == [
        "c@example.org",
        "b@example.org",
    ]


def test_failed_mail_does_not_undo_the_publication(
    app: Flask,
    session: Session,
    people: People,
    tender: Tender,
    now: datetime,
    fake_smtp: type[FakeSMTP],
) -> None:
    app.config.update(SMTP_CONFIG)
    fake_smtp.fail_on_message = 0
    _answered(session, tender, people, now)
    officer = client_for(app, people.officer)
    response = officer.post(
        f"/aanbestedingen/{tender.id}/vragen/publiceren", data={}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Nota van inlichtingen 1 is gepubliceerd" in html
    assert "kon niet worden verzonden" in html
    assert session.scalars(select(QaRound)).one().number == 1
    assert sorted(m.recipient for m in notifications.outbox_messages(app.instance_path)) == sorted(
        [people.provider_a.email, people.provider_b.email]
    )


def test_section_choices_name_every_requirement_and_criterion(
    session: Session, tender: Tender
) -> None:
    choices = qa.section_choices(tender)
    assert choices[:2] == ["Algemeen", "Planning en procedure"]
    assert choices[-1] == "Raamovereenkomst en producten"
    assert f"{tender.criteria[0].code} – {tender.criteria[0].title}" in choices
    assert len(choices) == 3 + len(tender.requirements) + len(tender.criteria)
