"""Tender set-up through the web: create, configure, schedule, publish, withdraw."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from factories import LEKSTROOM, login, make_published_tender, make_tender, make_user, schedule
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock
from tender.accounts.models import Role
from tender.audit import AuditEvent
from tender.tenders.models import Tender, TenderState

UNDERSTOOD = {"understood": "y"}  # the box "Ik begrijp dat ..." of an irreversible step


@pytest.fixture
def officer_client(client: FlaskClient, session: Session, now: datetime) -> FlaskClient:
    login(client, make_user(session, Role.PROCUREMENT_OFFICER, now=now))
    session.commit()
    clock.set_clock(lambda: now)
    return client


def test_create_from_criteria_directory(officer_client: FlaskClient, session: Session) -> None:
    page = officer_client.get("/aanbestedingen/nieuw").get_data(as_text=True)
    assert "lekstroom-2022.toml" in page
    response = officer_client.post(
        "/aanbestedingen/nieuw", data={"criteria_file": "lekstroom-2022.toml"}
    )
    assert response.status_code == 302
    tender = session.scalar(select(Tender))
    assert tender is not None and tender.state == TenderState.CONCEPT
    show = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    for criterion in tender.criteria:
        assert criterion.title in show
    assert "Vul het TenderNed-kenmerk in." in show
    assert "Houten (0321)" in show


def test_create_refuses_path_outside_criteria_directory(
    officer_client: FlaskClient, session: Session
) -> None:
    response = officer_client.post(
        "/aanbestedingen/nieuw", data={"criteria_file": "../pyproject.toml"}
    )
    assert "Kies een criteriabestand" in response.get_data(as_text=True)
    assert session.scalar(select(Tender)) is None


def test_uploaded_invalid_file_lists_every_error(
    officer_client: FlaskClient, session: Session
) -> None:
    text = LEKSTROOM.read_text(encoding="utf-8").replace("minimum = 6", "minimum = 5", 1)
    text = text.replace("initial_years = 2", "initial_years = 3", 1)
    response = officer_client.post(
        "/aanbestedingen/nieuw",
        data={"upload": (io.BytesIO(text.encode()), "fout.toml")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert "bevat 2 fouten" in html
    assert "criteria[1].minimum" in html and "contract: de totale looptijd" in html
    assert session.scalar(select(Tender)) is None


def test_upload_valid_file(officer_client: FlaskClient, session: Session) -> None:
    response = officer_client.post(
        "/aanbestedingen/nieuw",
        data={"upload": (io.BytesIO(LEKSTROOM.read_bytes()), "mijn-bestand.toml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    tender = session.scalar(select(Tender))
    assert tender is not None and tender.criteria_filename == "mijn-bestand.toml"


def test_schedule_error_keeps_input_and_success_saves_in_utc(
    officer_client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_tender(session, now=now)
    session.commit()
    data = {
        "tenderned_reference": "TN-2026-001",
        "question_deadline_date": "2026-12-20",
        "question_deadline_time": "12:00",
        "submission_deadline_date": "2026-12-10",
        "submission_deadline_time": "12:00",
        "planned_opening_date": "2026-12-21",
        "planned_opening_time": "14:00",
    }
    response = officer_client.post(f"/aanbestedingen/{tender.id}/planning", data=data)
    html = response.get_data(as_text=True)
    assert "Moet vóór de uiterste inschrijfdatum liggen." in html
    for value in data.values():
        assert f'value="{value}"' in html
    data["submission_deadline_date"] = "2026-12-21"
    assert (
        officer_client.post(f"/aanbestedingen/{tender.id}/planning", data=data).status_code == 302
    )
    session.refresh(tender)
    # 21-12-2026 12:00 in Amsterdam (winter time, UTC+1) is 11:00 UTC.
    assert tender.submission_deadline.isoformat() == "2026-12-21T11:00:00+00:00"
    show = officer_client.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
    assert "21-12-2026 12:00" in show


def test_schedule_date_without_time_is_refused(
    officer_client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_tender(session, now=now)
    session.commit()
    response = officer_client.post(
        f"/aanbestedingen/{tender.id}/planning",
        data={"submission_deadline_date": "2026-12-21", "submission_deadline_time": ""},
    )
    assert "Vul zowel de datum als de tijd in." in response.get_data(as_text=True)


def test_publish_through_the_web_and_then_frozen(
    officer_client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_tender(session, now=now)
    session.commit()
    refused = officer_client.post(
        f"/aanbestedingen/{tender.id}/publiceren", data=UNDERSTOOD, follow_redirects=True
    )
    assert "Publiceren kan nog niet." in refused.get_data(as_text=True)
    schedule(session, tender, now=now)
    session.commit()
    done = officer_client.post(
        f"/aanbestedingen/{tender.id}/publiceren", data=UNDERSTOOD, follow_redirects=True
    )
    assert "is gepubliceerd" in done.get_data(as_text=True)
    session.refresh(tender)
    assert tender.state == TenderState.PUBLISHED
    replace = officer_client.post(
        f"/aanbestedingen/{tender.id}/configuratie",
        data={"upload": (io.BytesIO(LEKSTROOM.read_bytes()), "x.toml")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "alleen worden vervangen zolang" in replace.get_data(as_text=True)
    again = officer_client.post(
        f"/aanbestedingen/{tender.id}/publiceren", data=UNDERSTOOD, follow_redirects=True
    )
    assert "kan niet naar status" in again.get_data(as_text=True)


def test_published_tender_schedule_form_refuses(
    officer_client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    session.commit()
    response = officer_client.post(
        f"/aanbestedingen/{tender.id}/planning",
        data={"tenderned_reference": "TN-ANDERS"},
        follow_redirects=True,
    )
    assert "nota van inlichtingen" in response.get_data(as_text=True)
    session.refresh(tender)
    assert tender.tenderned_reference == "TN-123456"


def test_replace_configuration_in_concept(
    officer_client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_tender(session, now=now)
    session.commit()
    text = LEKSTROOM.read_text(encoding="utf-8").replace("weight = 25", "weight = 24", 1)
    text = text.replace("weight = 15", "weight = 16", 1)
    response = officer_client.post(
        f"/aanbestedingen/{tender.id}/configuratie",
        data={"upload": (io.BytesIO(text.encode()), "v2.toml")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "is vervangen" in response.get_data(as_text=True)
    session.expire_all()
    tender = session.get(Tender, tender.id)
    assert tender.criteria_filename == "v2.toml"
    assert int(tender.criteria[0].weight) == 24


def test_withdraw_needs_a_reason_and_is_audited(
    officer_client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    session.commit()
    empty = officer_client.post(f"/aanbestedingen/{tender.id}/intrekken", data={"reason": ""})
    assert "Dit veld is verplicht." in empty.get_data(as_text=True)
    done = officer_client.post(
        f"/aanbestedingen/{tender.id}/intrekken",
        data={"reason": "Onvoldoende budget", **UNDERSTOOD},
    )
    assert done.status_code == 302
    session.refresh(tender)
    assert tender.state == TenderState.WITHDRAWN
    trail = officer_client.get(f"/aanbestedingen/{tender.id}/logboek").get_data(as_text=True)
    assert "Onvoldoende budget" in trail and "tender.state" in trail


def test_tender_closes_when_viewed_after_deadline(
    officer_client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    session.commit()
    deadline = tender.submission_deadline
    clock.set_clock(lambda: deadline)
    officer_client.get(f"/aanbestedingen/{tender.id}")
    session.refresh(tender)
    assert tender.state == TenderState.CLOSED
    events = session.scalars(select(AuditEvent).where(AuditEvent.tender_id == tender.id)).all()
    assert events[-1].details["naar"] == "gesloten"


def test_advisory_council_reads_published_setup_without_actions(
    client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    login(client, make_user(session, Role.ADVISORY_COUNCIL, now=now))
    session.commit()
    html = client.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
    assert tender.criteria[0].title in html
    assert "Publiceren" not in html and "Intrekken" not in html and "Logboek" not in html
