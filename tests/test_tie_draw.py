"""A full tie on the cut-off of a ranked lot is decided by a recorded draw, never silently.

The draw is a procedure on record: every tied bid one place, each place once; how
the lots were drawn, by whom, in the presence of at least one other person, and
when (not in the future); refused once the award advice exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from factories import login, make_tied_ranked_tender
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps

from tender import clock
from tender.audit import AuditEvent
from tender.award import draws, steps
from tender.award import service as award
from tender.award.models import TieDraw
from tender.award.outcome import tender_outcome
from tender.timefmt import to_local

METHOD = "Vijf genummerde loten in een gesloten doos, getrokken door de notaris."


@pytest.fixture
def tied(app: Flask, session: Session, now: datetime):  # type: ignore[no-untyped-def]
    """Five bids on lot HERSTEL (4 places) with identical consensus scores."""
    result = make_tied_ranked_tender(session, now=now, instance_path=app.instance_path)
    session.commit()
    return result


def _draw(session: Session, tender, officer, bids, when: datetime, **changes: Any) -> TieDraw:  # type: ignore[no-untyped-def]
    """Record a valid draw (last bid drawn first), with ``changes`` to the arguments."""
    arguments: dict[str, Any] = {
        "lot_code": "HERSTEL",
        "places": {bid.id: len(bids) - i for i, bid in enumerate(bids)},
        "method": METHOD,
        "drawn_by": "mr. A. Notaris",
        "witnesses": ["B. Getuige", "C. Inkoper"],
        "drawn_at": when - timedelta(minutes=30),
        "note": "",
        **changes,
    }
    return draws.record_draw(session, tender=tender, actor=officer, now=when, **arguments)


def _refused(session: Session, tender, officer, bids, when: datetime, **changes: Any) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(draws.DrawRefused) as refused:
        _draw(session, tender, officer, bids, when, **changes)
    assert not session.scalars(select(TieDraw)).all()
    return [problem.text for problem in refused.value.problems]


def test_the_recorded_draw_decides_the_tie(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    data = tender_outcome(session, tender)
    assert set(data.outcome.unresolved_ties["HERSTEL"]) == {b.id for b in bids}
    assert any("loting" in p for p in award.decision_problems(session, tender, data))
    draw = _draw(
        session, tender, officer, bids, when, witnesses=["  B.  Getuige ", "", "C. Inkoper"]
    )
    drawn = [b.id for b in reversed(bids)]
    assert draw.drawn_order == drawn
    assert draw.witnesses == ["B. Getuige", "C. Inkoper"]
    assert (draw.method, draw.drawn_by) == (METHOD, "mr. A. Notaris")
    assert draw.drawn_at == when - timedelta(minutes=30)
    outcome = tender_outcome(session, tender).outcome
    assert "HERSTEL" not in outcome.unresolved_ties
    assert set(outcome.awarded("HERSTEL")) == set(drawn[:4])
    loser = outcome.for_bid(drawn[4]).lot("HERSTEL")
    assert not loser.awarded and any(reason.drawn for reason in loser.reasons)


def test_missing_out_of_range_and_doubled_places_are_refused(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    code = {b.id: tender_outcome(session, tender).bid(b.id).blind_code for b in bids}
    places = {bid.id: i for i, bid in enumerate(bids, start=1)}
    missing = {**places, bids[2].id: None}
    assert _refused(session, tender, officer, bids, when, places=missing) == [
        f"Vul voor {code[bids[2].id]} een plaats in (1 tot en met 5)."
    ]
    left_out = {b: p for b, p in places.items() if b != bids[0].id}
    assert _refused(session, tender, officer, bids, when, places=left_out) == [
        f"Vul voor {code[bids[0].id]} een plaats in (1 tot en met 5)."
    ]
    for wrong in (0, 6, -1):
        problems = _refused(
            session, tender, officer, bids, when, places={**places, bids[4].id: wrong}
        )
        assert problems == [
            f"De plaats van {code[bids[4].id]} is {wrong}; een plaats ligt tussen 1 en 5."
        ]
    doubled = {**places, bids[4].id: 2}
    assert _refused(session, tender, officer, bids, when, places=doubled) == [
        f"Plaats 2 is meer dan eens gegeven ({code[bids[1].id]}, {code[bids[4].id]}); "
        "elke plaats komt precies één keer voor."
    ]


def test_a_bid_outside_the_tie_and_a_lot_without_tie_are_refused(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    places = {bid.id: i for i, bid in enumerate(bids, start=1)}
    outsider = {**places, 999_999: 6}
    assert _refused(session, tender, officer, bids, when, places=outsider) == [
        "999999 hoort niet bij de gelijke stand."
    ]
    assert _refused(session, tender, officer, bids, when, lot_code="OUDEREN") == [
        "In perceel OUDEREN is geen gelijke stand die een loting vraagt."
    ]


def test_method_drawer_and_a_second_person_are_required(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    assert _refused(session, tender, officer, bids, when, method="  ") == [
        "Beschrijf hoe er is geloot: wat voor loten, waarin, hoe getrokken."
    ]
    assert _refused(session, tender, officer, bids, when, drawn_by="") == [
        "Vul de naam in van wie de loten heeft getrokken."
    ]
    no_witness = (
        "Vul minstens één getuige in: een tweede persoon die bij de loting aanwezig was, "
        "naast wie de loten trok."
    )
    assert _refused(session, tender, officer, bids, when, witnesses=[]) == [no_witness]
    assert _refused(session, tender, officer, bids, when, witnesses=["", "   "]) == [no_witness]
    himself = _refused(
        session,
        tender,
        officer,
        bids,
        when,
        witnesses=["MR. A.  notaris"],
        drawn_by="mr. A. Notaris",
    )
    assert himself == [
        "mr. A. Notaris heeft de loten getrokken en kan niet ook getuige zijn; een getuige is "
        "een tweede persoon."
    ]
    also_himself = _refused(
        session, tender, officer, bids, when, witnesses=["B. Getuige", "mr. A. Notaris"]
    )
    assert len(also_himself) == 1 and "kan niet ook getuige zijn" in also_himself[0]


def test_the_moment_of_the_draw_must_have_passed(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    assert _refused(session, tender, officer, bids, when, drawn_at=when + timedelta(minutes=1)) == [
        "Het moment van de loting ligt in de toekomst; loot eerst."
    ]
    assert _refused(session, tender, officer, bids, when, drawn_at=None) == [
        "Vul de datum en tijd van de loting in."
    ]
    before_opening = tender.opened_at - timedelta(days=1)
    assert _refused(session, tender, officer, bids, when, drawn_at=before_opening) == [
        "Het moment van de loting ligt vóór de opening van de inschrijvingen."
    ]
    assert _draw(session, tender, officer, bids, when, drawn_at=when).drawn_at == when


def test_every_problem_is_named_at_once(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    with pytest.raises(draws.DrawRefused) as refused:
        _draw(
            session, tender, officer, bids, when,
            places={}, method="", drawn_by="", witnesses=[], drawn_at=None,
        )  # fmt: skip
    fields = [problem.field for problem in refused.value.problems]
    assert fields == [draws.PLACES] * 5 + [
        draws.METHOD,
        draws.DRAWN_BY,
        draws.WITNESSES,
        draws.DRAWN_AT,
    ]
    assert "Beschrijf hoe er is geloot" in str(refused.value)


def test_a_recorded_draw_is_not_drawn_again(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    _draw(session, tender, officer, bids, when)
    with pytest.raises(draws.DrawRefused, match=r"De loting in perceel HERSTEL is al vastgelegd\."):
        _draw(session, tender, officer, bids, when + timedelta(minutes=5))


def test_no_draw_once_the_award_advice_exists(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    _draw(session, tender, officer, bids, when)
    decide_all_gaps(session, tender, officer, when)
    steps.prepare_advice(session, tender=tender, actor=officer, now=when)
    assert award.decision_for(session, tender) is not None
    session.execute(TieDraw.__table__.delete())
    with pytest.raises(draws.DrawRefused) as refused:
        _draw(session, tender, officer, bids, when)
    assert str(refused.value) == (
        "Een loting kan alleen worden vastgelegd vóór het gunningsadvies; daarin ligt de "
        "uitkomst vast."
    )


def test_the_snapshot_holds_the_record_of_the_draw(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    _draw(session, tender, officer, bids, when, note="Notaris aanwezig op het gemeentehuis.")
    data = tender_outcome(session, tender)
    snapshot = award.build_snapshot(session, data, now=when)
    (draw,) = snapshot["draws"]
    drawn = [b.id for b in reversed(bids)]
    assert draw["lot"] == "HERSTEL"
    assert draw["bid_ids"] == drawn
    assert draw["order"] == [data.bid(bid_id).blind_code for bid_id in drawn]
    assert draw["method"] == METHOD
    assert draw["drawn_by"] == "mr. A. Notaris"
    assert draw["witnesses"] == ["B. Getuige", "C. Inkoper"]
    assert draw["drawn_at"] == (when - timedelta(minutes=30)).isoformat()
    assert draw["note"] == "Notaris aanwezig op het gemeentehuis."
    assert draw["recorded_at"] == when.isoformat()


def test_the_tied_bidders_letters_and_the_report_state_the_draw(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    import io

    from award_steps import decide
    from pypdf import PdfReader

    from tender.award import documents as award_documents

    def text(content: bytes) -> str:
        pages = PdfReader(io.BytesIO(content)).pages
        return " ".join(" ".join(p.extract_text() for p in pages).split())

    tender, officer, bids, when = tied
    _draw(session, tender, officer, bids, when)
    decide_all_gaps(session, tender, officer, when)
    decision = decide(session, tender, preparer=officer, now=when)
    snapshot = award_documents.documented(session, decision)
    entries = {entry["bid_id"]: entry for entry in snapshot["bids"]}
    last = text(award_documents.letter_pdf(snapshot, entries[bids[0].id], sent_at=when))
    assert "loting" in last.casefold() and "plaats 5 van 5" in last
    assert METHOD in last
    report = text(award_documents.report_pdf(snapshot, sent_at=when))
    assert "Loting" in report and "mr. A. Notaris" in report and "B. Getuige" in report


def test_the_draw_is_audited_with_every_field(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    _draw(session, tender, officer, bids, when, note="Op het gemeentehuis.")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "award.draw")).one()
    assert event.actor_id == officer.id and event.tender_id == tender.id
    assert event.details == {
        "perceel": "HERSTEL",
        "volgorde": [b.id for b in reversed(bids)],
        "methode": METHOD,
        "getrokken_door": "mr. A. Notaris",
        "getuigen": ["B. Getuige", "C. Inkoper"],
        "moment_loting": (when - timedelta(minutes=30)).isoformat(),
        "toelichting": "Op het gemeentehuis.",
        "vervangt": None,
    }


def _form(bids, when: datetime, **changes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    local = to_local(when - timedelta(hours=1))
    return {
        **{f"plaats-{bid.id}": str(place) for place, bid in enumerate(bids, start=1)},
        "method": METHOD,
        "drawn_by": "mr. A. Notaris",
        "witnesses": "B. Getuige\nC. Inkoper",
        "drawn_at_date": local.strftime("%Y-%m-%d"),
        "drawn_at_time": local.strftime("%H:%M"),
        "note": "",
        **changes,
    }


def test_the_advice_page_links_each_unresolved_tie_to_its_draw_page(app: Flask, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    clock.set_clock(lambda: when)
    client = app.test_client()
    login(client, officer)
    page = client.get(f"/aanbestedingen/{tender.id}/gunning/advies").get_data(as_text=True)
    assert "Loting in perceel HERSTEL" in page
    assert f'href="/aanbestedingen/{tender.id}/gunning/loting/HERSTEL"' in page
    draw_page = client.get(f"/aanbestedingen/{tender.id}/gunning/loting/HERSTEL")
    text = draw_page.get_data(as_text=True)
    assert draw_page.status_code == 200
    assert "Gelijke stand in perceel HERSTEL" in text
    for bid in bids:
        assert f'name="plaats-{bid.id}"' in text
    assert 'placeholder="Genummerde loten in een gesloten doos' in text
    assert "Geen gelijke stand" not in text
    other = client.get(f"/aanbestedingen/{tender.id}/gunning/loting/OUDEREN").get_data(as_text=True)
    assert "In perceel OUDEREN is geen gelijke stand die een loting vraagt." in other
    assert "<form" not in other.split("<main", 1)[-1].split("Terug naar de gunning")[0]
    assert client.get(f"/aanbestedingen/{tender.id}/gunning/loting/ONBEKEND").status_code == 404


def test_a_refused_draw_shows_the_form_again_as_typed(app: Flask, session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    clock.set_clock(lambda: when)
    client = app.test_client()
    login(client, officer)
    typed = _form(bids, when, **{f"plaats-{bids[4].id}": "2", "witnesses": "mr. A. Notaris"})
    response = client.post(f"/aanbestedingen/{tender.id}/gunning/loting/HERSTEL", data=typed)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Plaats 2 is meer dan eens gegeven" in text
    assert "heeft de loten getrokken en kan niet ook getuige zijn" in text
    assert (
        f'name="plaats-{bids[4].id}" id="plaats-{bids[4].id}" inputmode="numeric" value="2"' in text
    )
    assert METHOD in text
    assert 'value="mr. A. Notaris"' in text
    assert typed["drawn_at_date"] in text and typed["drawn_at_time"] in text
    assert not session.scalars(select(TieDraw)).all()

    future = to_local(when + timedelta(days=1))
    response = client.post(
        f"/aanbestedingen/{tender.id}/gunning/loting/HERSTEL",
        data=_form(bids, when, drawn_at_date=future.strftime("%Y-%m-%d"), method=""),
    )
    text = response.get_data(as_text=True)
    assert "Het moment van de loting ligt in de toekomst; loot eerst." in text
    assert "Beschrijf hoe er is geloot" in text
    assert 'value="B. Getuige' not in text and "B. Getuige\nC. Inkoper" in text

    response = client.post(
        f"/aanbestedingen/{tender.id}/gunning/loting/HERSTEL",
        data=_form(bids, when, **{f"plaats-{bids[0].id}": "een", "drawn_at_time": "25:00"}),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="een"' in text
    assert "Het formulier is nog niet in orde." in text
    assert not session.scalars(select(TieDraw)).all()


def test_a_recorded_draw_is_shown_read_only(app: Flask, session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    clock.set_clock(lambda: when)
    client = app.test_client()
    login(client, officer)
    url = f"/aanbestedingen/{tender.id}/gunning/loting/HERSTEL"
    response = client.post(url, data=_form(bids, when, note="Op het gemeentehuis."))
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert "De loting in perceel HERSTEL is vastgelegd." in page
    assert "Vastgelegde loting" in page
    assert "<form" not in page.split("Vastgelegde loting", 1)[1]
    codes = [tender_outcome(session, tender).bid(b.id).blind_code for b in bids]
    order = page.split("Getrokken volgorde", 1)[1].split("</ol>", 1)[0]
    assert [order.index(code) for code in codes] == sorted(order.index(code) for code in codes)
    for shown in (METHOD, "mr. A. Notaris", "B. Getuige", "C. Inkoper", "Op het gemeentehuis."):
        assert shown in page
    assert to_local(when - timedelta(hours=1)).strftime("%d-%m-%Y %H:%M") in page
    assert "HERSTEL" not in tender_outcome(session, tender).outcome.unresolved_ties
    again = client.post(url, data=_form(bids, when))
    assert "De loting in perceel HERSTEL is al vastgelegd." in again.get_data(as_text=True)
    assert session.scalars(select(TieDraw)).one().note == "Op het gemeentehuis."
