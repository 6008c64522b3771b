"""Input that must be refused with a message, never answered with a 500 (issue 13).

Safe redirects after login, the checks every form field gets (control characters,
line breaks in one-line fields, default length and number bounds), wall-clock times
that the DST change makes impossible or ambiguous, the expired-form page that keeps
what was typed, and the limit on a request's size.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest
from factories import PASSWORD, login, make_published_tender, make_tender, make_user
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import IntegerField, StringField, TextAreaField

from tender import demo, redirects, timefmt
from tender.accounts.models import Role, User
from tender.bids.models import Bid
from tender.evaluation.models import RequirementCheck
from tender.forms import DutchForm, input_problem
from tender.qa.models import Question


@pytest.fixture
def officer_client(app: Flask, session: Session, now: datetime) -> FlaskClient:
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    session.commit()
    client = app.test_client()
    login(client, officer)
    return client


# --- 1. Safe redirects --------------------------------------------------------------

HOSTILE_NEXT = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\nSet-Cookie: x=1",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/%2F%2Fevil.example",
    "/bestaat-niet",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_goes_home(app: Flask, target: str) -> None:
    with app.test_request_context():
        assert redirects.safe_next(target) == "/"


def test_a_path_of_the_app_is_kept_with_its_query(app: Flask) -> None:
    with app.test_request_context():
        assert redirects.safe_next("/aanbestedingen/3") == "/aanbestedingen/3"
        assert redirects.safe_next("/aanbestedingen/3?pagina=2") == "/aanbestedingen/3?pagina=2"


@pytest.mark.parametrize("raw", ["/%09/evil.example", "/%0A/evil.example", "/%5Cevil.example"])
def test_login_with_encoded_hostile_next_lands_home(
    app: Flask, session: Session, now: datetime, raw: str
) -> None:
    user = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    session.commit()
    client = app.test_client()
    response = client.post(
        f"/inloggen?next={raw}", data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- 2 and 6. Every field is bounded and printable -----------------------------------


class _Sample(DutchForm):
    class Meta:
        csrf = False

    name = StringField("Naam")
    text = TextAreaField("Tekst")
    count = IntegerField("Aantal")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "a\x00b"}, "name", "stuurteken"),
        ({"text": "regel\x1b[31m"}, "text", "stuurteken"),
        ({"name": "twee\nregels"}, "name", "één regel"),
        ({"name": "x" * 201}, "name", "hoogstens 200 tekens"),
        ({"text": "x" * 20_001}, "text", "hoogstens 20.000 tekens"),
        ({"count": str(2**40)}, "count", "kleiner getal"),
    ],
)
def test_default_field_checks(app: Flask, data: dict[str, str], field: str, message: str) -> None:
    with app.test_request_context(method="POST", data=data):
        form = _Sample()
        assert not form.validate()
        assert any(message in error for error in form[field].errors)


def test_ordinary_input_passes_the_default_checks(app: Flask) -> None:
    data = {"name": "Zorg & Co (Ĳsselstein)", "text": "Eerste regel\r\nTweede\tregel", "count": "7"}
    with app.test_request_context(method="POST", data=data):
        form = _Sample()
        assert form.validate()
        assert all(input_problem(field) is None for field in form)


def test_nul_in_a_question_is_refused_and_the_text_kept(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    provider = make_user(session, Role.PROVIDER, now=now)
    session.commit()
    client = app.test_client()
    login(client, provider)
    response = client.post(
        f"/aanbestedingen/{tender.id}/vragen", data={"section": "", "text": "Mag dit?\x00 Ja."}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "onzichtbaar stuurteken" in html
    assert "Mag dit?" in html
    assert session.scalar(select(Question)) is None


def test_request_larger_than_the_upload_limit_answers_413_in_dutch(
    officer_client: FlaskClient, app: Flask, session: Session, now: datetime
) -> None:
    tender = make_tender(session, now=now)
    session.commit()
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = officer_client.post(
        f"/aanbestedingen/{tender.id}/planning",
        data="tenderned_reference=" + "x" * (100 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "te groot" in response.get_data(as_text=True)


def test_upload_limit_sizes_the_request_limit(app: Flask) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["MAX_UPLOAD_BYTES"] + 1024 * 1024


# --- 9. Times the DST change makes impossible or ambiguous ----------------------------


def test_the_spring_gap_names_both_readings() -> None:
    message = timefmt.wall_clock_problem(date(2027, 3, 28), time(2, 30))
    assert message is not None
    assert "bestaat niet" in message
    assert "01:30 (wintertijd)" in message and "03:30 (zomertijd)" in message


def test_the_autumn_overlap_names_both_moments() -> None:
    message = timefmt.wall_clock_problem(date(2026, 10, 25), time(2, 30))
    assert message is not None
    assert "twee keer" in message
    assert "00:30 UTC" in message and "01:30 UTC" in message


@pytest.mark.parametrize(
    ("day", "moment"),
    [
        (date(2026, 10, 25), time(1, 59)),
        (date(2026, 10, 25), time(3, 0)),
        (date(2027, 3, 28), time(3, 0)),
        (date(2027, 3, 28), time(1, 59)),
        (date(2026, 12, 21), time(12, 0)),
    ],
)
def test_other_times_are_one_moment(day: date, moment: time) -> None:
    assert timefmt.wall_clock_problem(day, moment) is None


@pytest.mark.parametrize("typed", [("2027-03-28", "02:30"), ("2026-10-25", "02:15")])
def test_schedule_refuses_a_deadline_in_the_dst_change(
    officer_client: FlaskClient, session: Session, now: datetime, typed: tuple[str, str]
) -> None:
    tender = make_tender(session, now=now)
    session.commit()
    data = {
        "submission_deadline_date": typed[0],
        "submission_deadline_time": typed[1],
    }
    response = officer_client.post(f"/aanbestedingen/{tender.id}/planning", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "bestaat niet" in html or "twee keer" in html
    assert f'value="{typed[1]}"' in html
    session.refresh(tender)
    assert tender.submission_deadline is None


# --- 4. An expired form keeps what was typed -----------------------------------------


def test_expired_csrf_token_gives_the_input_back_with_a_fresh_token(
    app: Flask, session: Session, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    tender = make_published_tender(session, now=now)
    provider = make_user(session, Role.PROVIDER, now=now)
    session.commit()
    client = app.test_client()
    login(client, provider)
    form_page = client.get(f"/aanbestedingen/{tender.id}/vragen").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form_page)
    assert token is not None
    later = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later(self) + 2 * 3600)
    typed = "Hoe lang duurt de raamovereenkomst?\r\nEn mag ik later instappen?"
    response = client.post(
        f"/aanbestedingen/{tender.id}/vragen",
        data={"csrf_token": token.group(1), "section": "Algemeen", "text": typed},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "langer dan 1 uur open" in html
    assert "Hoe lang duurt de raamovereenkomst?" in html and "Algemeen" in html
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert fresh is not None and fresh.group(1) != token.group(1)
    assert session.scalar(select(Question)) is None
    # Sent again from that page, it is accepted.
    again = client.post(
        f"/aanbestedingen/{tender.id}/vragen",
        data={"csrf_token": fresh.group(1), "section": "Algemeen", "text": typed},
    )
    assert again.status_code == 302, again.get_data(as_text=True)
    assert session.scalar(select(Question.section)) == "Algemeen"


def test_nul_in_a_requirement_reason_is_refused_and_the_text_kept(
    app: Flask, session: Session, now: datetime
) -> None:
    """The reasons of the requirement check are read without a form field of their own:
    the same check applies (PostgreSQL refuses to store a NUL: a 500 before)."""
    tender = demo.build(
        session, criteria_path=None, bids=1, now=now, instance_path=app.instance_path,
        phase="opened",
    ).tender  # fmt: skip
    session.commit()
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    (bid,) = session.scalars(select(Bid).where(Bid.tender_id == tender.id))
    requirement = tender.requirements[0]
    client = app.test_client()
    login(client, officer)
    response = client.post(
        f"/aanbestedingen/{tender.id}/eisen/{bid.id}",
        data={
            f"complies-{requirement.id}": "nee",
            f"reason-{requirement.id}": "Geen VOG\x00 bijgevoegd bij de inschrijving.",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "onzichtbaar stuurteken" in html and "Geen VOG" in html
    assert session.scalar(select(RequirementCheck)) is None
