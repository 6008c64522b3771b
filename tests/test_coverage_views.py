"""The coverage page: matrix per lot with text markers, details on demand, gap forms
for the inkoper only; for the adviesraad read-only and as counts, without names."""

from __future__ import annotations

import re
from datetime import datetime

from factories import login, make_opened_tender, make_published_tender, make_user
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock
from tender.accounts.models import Role
from tender.award.models import GapDecision


def _opened(session: Session, app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    tender, _providers, officers, opened_at = make_opened_tender(
        session, now=now, bids=2, instance_path=app.instance_path
    )
    council = make_user(session, Role.ADVISORY_COUNCIL, now=now)
    session.commit()
    clock.set_clock(lambda: opened_at)
    return tender, officers[0], council


def test_officer_sees_matrix_with_text_markers_details_and_a_form_per_gap(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer, _council = _opened(session, app, now)
    client = app.test_client()
    login(client, officer)
    page = client.get(f"/aanbestedingen/{tender.id}/dekking")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<caption>Dekking perceel IB" in html
    assert '<th scope="row">Houten</th>' in html and '<th scope="col">' in html
    # No bid is scored yet: every cell is short, marked in words, with details on demand.
    assert html.count("<details>") == 25
    assert '0/2 <strong class="todo">tekort</strong>' in html
    assert "Nog geen uitkomst (telt nog niet mee)" in html
    assert "De uitkomst is nog niet definitief." in html
    forms = re.findall(r'action="/aanbestedingen/\d+/dekking/besluit"', html)
    assert len(forms) == 30  # 25 cells and 5 municipalities without a local network
    assert 'name="target_group" value=""' in html  # the network gaps
    assert 'minlength="10"' in html and " required " in html


def test_advisory_council_reads_the_matrix_as_counts_without_names_or_forms(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, _officer, council = _opened(session, app, now)
    client = app.test_client()
    login(client, council)
    html = client.get(f"/aanbestedingen/{tender.id}/dekking").get_data(as_text=True)
    assert "<caption>Dekking perceel IB" in html and "tekort" in html
    assert "dekking/besluit" not in html and "<textarea" not in html
    # Both bids declared Houten and IJsselstein; no consensus yet, so neither counts.
    assert "<details>" not in html and "Nog geen uitkomst" not in html
    assert html.count("2 aangemeld, 2 nog zonder uitkomst") == 10
    assert html.count("0 aangemeld") == 15
    assert "Zorgaanbieder" not in html and "Inschrijving 0" not in html
    assert (
        client.post(
            f"/aanbestedingen/{tender.id}/dekking/besluit",
            data={"lot": "IB", "municipality": "0321", "target_group": "PG", "decision": "x" * 20},
        ).status_code
        == 403
    )


def test_before_the_opening_the_page_explains_why_there_is_nothing_to_see(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    council = make_user(session, Role.ADVISORY_COUNCIL, now=now)
    session.commit()
    for user in (officer, council):
        client = app.test_client()
        login(client, user)
        html = client.get(f"/aanbestedingen/{tender.id}/dekking").get_data(as_text=True)
        assert "De dekking is te zien na de opening van de inschrijvingen" in html
        assert "<table" not in html and "aangemeld" not in html
        show = client.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
        assert "/dekking" not in show


def test_tender_page_links_to_coverage_once_opened(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer, council = _opened(session, app, now)
    for user in (officer, council):
        client = app.test_client()
        login(client, user)
        show = client.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
        assert f'href="/aanbestedingen/{tender.id}/dekking"' in show


def test_officer_records_a_decision_and_sees_it_on_the_page(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer, _council = _opened(session, app, now)
    client = app.test_client()
    login(client, officer)
    response = client.post(
        f"/aanbestedingen/{tender.id}/dekking/besluit",
        data={
            "lot": "IB",
            "municipality": "0331",
            "target_group": "",
            "decision": "Aanvullende contractering door de RBL.",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dekking#tekort-IB-0331-netwerk")
    decision = session.scalars(select(GapDecision)).one()
    assert decision.target_group_id is None
    html = client.get(f"/aanbestedingen/{tender.id}/dekking").get_data(as_text=True)
    assert "Aanvullende contractering door de RBL." in html
    assert "Besluit wijzigen" in html


def test_a_too_short_decision_is_shown_again_with_the_error_and_nothing_saved(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer, _council = _opened(session, app, now)
    client = app.test_client()
    login(client, officer)
    response = client.post(
        f"/aanbestedingen/{tender.id}/dekking/besluit",
        data={"lot": "IB", "municipality": "0321", "target_group": "PG", "decision": "kort"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Het besluit is niet vastgelegd." in html
    assert "Beschrijf het besluit in 10 tot 2000 tekens." in html
    assert 'aria-invalid="true">kort</textarea>' in html
    assert session.scalars(select(GapDecision)).all() == []


def test_unknown_codes_are_refused(app: Flask, session: Session, now: datetime) -> None:
    tender, officer, _council = _opened(session, app, now)
    client = app.test_client()
    login(client, officer)
    response = client.post(
        f"/aanbestedingen/{tender.id}/dekking/besluit",
        data={"lot": "IB", "municipality": "9999", "target_group": "PG", "decision": "x" * 20},
        follow_redirects=True,
    )
    assert "Onbekend perceel, gemeente of doelgroep." in response.get_data(as_text=True)
    assert session.scalars(select(GapDecision)).all() == []
