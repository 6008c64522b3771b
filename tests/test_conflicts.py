"""Conflicts of interest per named bidder (DOMAIN.md 5.7).

After the opening each committee member answers, per bidding organisation named as it
submitted (alphabetical, never linked to a blind code), "geen band" or "band" with an
explanation. A band keeps the member away from that bid, answering as for a bid that
does not exist; the inkoper reads every answer, can take a member off a bid or off the
committee; a band found later sets the member's scores on that bid aside (kept).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from factories import (
    login,
    make_committee,
    make_published_tender,
    make_user,
    sign_declaration,
)
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.orm import Session
from test_advisory_council import _scored_demo, announce_award
from test_evaluation import MOTIVATION, _score_all
from test_evaluation import opened as opened
from test_migrations import empty_database_url as empty_database_url

from tender import migrate
from tender.accounts.models import Role
from tender.audit import AuditEvent
from tender.bids import submitted
from tender.evaluation import service as evaluation
from tender.evaluation.models import ConflictAnswer, ConsensusScore, Score

EXPLANATION = "Mijn broer is bestuurder van deze organisatie."


def _named(opened):  # type: ignore[no-untyped-def]
    """(name, KvK number) of every bidding organisation, as submitted, alphabetical."""
    versions = submitted.received_versions(opened["db"], opened["tender"])
    named = [(v.organisation.name, v.organisation.kvk_number) for v in versions]
    return sorted(named, key=lambda n: n[0].casefold())


def _signed_and_scored(opened, bid) -> None:  # type: ignore[no-untyped-def]
    """Every member signs (no band) and scores ``bid`` on every criterion."""
    for member in opened["members"]:
        sign_declaration(opened["db"], member=member, now=opened["when"])
    _score_all(opened, bid)


def _client(app: Flask, user):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, user)
    return client


def _all_none(opened, **overrides: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    form = {f"antwoord-{kvk}": "geen" for _name, kvk in _named(opened)}
    form.update(overrides)
    form["confirm"] = "y"
    return form


def test_the_declaration_names_every_bidder_alphabetically_without_a_code(
    opened, app: Flask
) -> None:  # type: ignore[no-untyped-def]
    tender, member = opened["tender"], opened["members"][1]
    html = _client(app, member.user).get(f"/beoordelen/{tender.id}/verklaring").get_data(True)
    named = _named(opened)
    positions = [html.index(f"{name} (KvK {kvk})") for name, kvk in named]
    assert positions == sorted(positions) and len(named) == 3
    assert "Inschrijving" not in html
    # Every field is keyed by KvK number (or is the statement or confirmation): no bid
    # id or blind number in a name, id or value.
    fields = set(re.findall(r'<(?:input|textarea|select)[^>]* name="([^"]+)"', html))
    kvks = {kvk for _n, kvk in named}
    assert {f"antwoord-{k}" for k in kvks} | {f"toelichting-{k}" for k in kvks} <= fields
    assert fields - {f"antwoord-{k}" for k in kvks} - {f"toelichting-{k}" for k in kvks} <= {
        "csrf_token",
        "statement",
        "confirm",
    }
    values = re.findall(r'<input(?![^>]*csrf_token)[^>]* value="([^"]*)"', html)
    assert set(values) <= {"geen", "band", "y", ""}


def test_before_the_opening_the_names_are_sealed(app: Flask, now: datetime) -> None:
    db = app.extensions["tender.sessionmaker"]()
    tender = make_published_tender(db, now=now)
    officer = make_user(db, Role.PROCUREMENT_OFFICER, now=now)
    members = make_committee(db, tender=tender, officer=officer, now=now)
    db.commit()
    html = _client(app, members[0].user).get(f"/beoordelen/{tender.id}/verklaring").get_data(True)
    assert "verzegeld tot de opening" in html and 'name="confirm"' not in html
    with pytest.raises(evaluation.EvaluationError, match="pas na de opening"):
        evaluation.sign_declaration(db, member=members[0], answers={}, statement="", now=now)
    db.close()


def test_every_organisation_needs_an_answer_and_a_band_an_explanation(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    tender, member, db = opened["tender"], opened["members"][1], opened["db"]
    (first_name, first), (second_name, second), (_third, third) = _named(opened)
    client = _client(app, member.user)
    url = f"/beoordelen/{tender.id}/verklaring"
    form = {f"antwoord-{first}": "band", f"toelichting-{first}": "kort", "confirm": "y"}
    html = client.post(url, data=form).get_data(True)
    assert f"Licht uw band met {first_name} toe" in html
    assert f"Kies voor {second_name}: geen band of band." in html
    # What was typed stays.
    assert f'value="band" id="band-{first}" checked' in html and ">kort</textarea>" in html
    # A KvK number that belongs to no bidder is refused, not dropped.
    form = _all_none(opened, **{"antwoord-99999999": "band", "toelichting-99999999": EXPLANATION})
    html = client.post(url, data=form).get_data(True)
    assert "KvK-nummer 99999999 hoort niet bij een inschrijver" in html
    db.expire_all()
    assert member.declaration is None
    with pytest.raises(evaluation.EvaluationError, match="hoort niet bij een inschrijver"):
        evaluation.sign_declaration(
            db,
            member=member,
            answers={k: evaluation.Answer(False) for k in (first, second, third, "99999999")},
            statement="",
            now=opened["when"],
        )
    form = _all_none(opened, **{f"antwoord-{second}": "band", f"toelichting-{second}": EXPLANATION})
    response = client.post(url, data=form)
    assert response.status_code == 302
    db.expire_all()
    answers = {a.organisation.kvk_number: a for a in member.declaration.answers}
    assert set(answers) == {first, second, third}
    assert answers[second].band and answers[second].explanation == EXPLANATION
    assert not answers[first].band and not answers[first].declared_later


def test_a_declared_band_answers_like_a_bid_that_does_not_exist(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    tender, member, db = opened["tender"], opened["members"][2], opened["db"]
    banned = opened["bids"][0]
    client = _client(app, member.user)
    form = _all_none(
        opened,
        **{
            f"antwoord-{banned.organisation.kvk_number}": "band",
            f"toelichting-{banned.organisation.kvk_number}": EXPLANATION,
        },
    )
    assert client.post(f"/beoordelen/{tender.id}/verklaring", data=form).status_code == 302
    db.expire_all()
    assert not evaluation.may_read_bid(member, banned, set())
    for route in ("inschrijving", "consensus"):
        refused = client.get(f"/beoordelen/{tender.id}/{route}/{banned.blind_number}")
        missing = client.get(f"/beoordelen/{tender.id}/{route}/99")
        assert refused.status_code == missing.status_code == 404
        assert banned.blind_code not in refused.get_data(True)
    home = client.get(f"/beoordelen/{tender.id}/").get_data(True)
    assert banned.blind_code not in home
    assert all(b.blind_code in home for b in opened["bids"][1:])


def test_the_inkoper_reads_every_answer_with_its_explanation(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    db, tender = opened["db"], opened["tender"]
    _name, kvk = _named(opened)[0]
    for index, member in enumerate(opened["members"]):
        sign_declaration(
            db, member=member, now=opened["when"], bands={kvk: EXPLANATION} if index == 1 else {}
        )
    db.commit()
    html = (
        _client(app, opened["officers"][0])
        .get(f"/aanbestedingen/{tender.id}/commissie")
        .get_data(True)
    )
    assert EXPLANATION in html
    assert html.count("<td>geen band</td>") == 8 and html.count("<td>band</td>") == 1
    for name, number in _named(opened):
        assert f"{name} (KvK {number})" in html


def test_a_band_found_later_sets_the_scores_aside_and_the_bid_leaves_the_queue(
    opened, app: Flask
) -> None:  # type: ignore[no-untyped-def]
    db, tender = opened["db"], opened["tender"]
    members, bid = opened["members"], opened["bids"][1]
    _signed_and_scored(opened, bid)
    chair, member = members[0], members[1]
    criterion = tender.criteria[0]
    evaluation.record_consensus(
        db,
        member=chair,
        bid=bid,
        criterion=criterion,
        score=6,
        motivation=MOTIVATION,
        expected_version=None,
        minimum_motivation=50,
        excluded=set(),
        is_open=True,
        now=opened["when"],
    )
    db.commit()
    client = _client(app, member.user)
    home = client.get(f"/beoordelen/{tender.id}/").get_data(True)
    kvk = bid.organisation.kvk_number
    assert f'<option value="{kvk}">' in home and bid.blind_code in home
    # An explanation is required; what was chosen stays.
    html = client.post(
        f"/beoordelen/{tender.id}/band-melden", data={"organisation": kvk, "explanation": ""}
    ).get_data(True)
    assert "Dit veld is verplicht." in html and f'<option selected value="{kvk}">' in html
    response = client.post(
        f"/beoordelen/{tender.id}/band-melden",
        data={"organisation": kvk, "explanation": EXPLANATION},
    )
    assert response.status_code == 302
    db.expire_all()
    kept = db.scalars(
        select(Score).where(Score.bid_id == bid.id, Score.evaluator_id == member.user_id)
    ).all()
    assert len(kept) == len(tender.criteria)
    assert all(s.set_aside_at is not None and EXPLANATION in s.set_aside_reason for s in kept)
    assert member.user_id not in {s.evaluator_id for s in evaluation.scores_for(db, bid)}
    assert db.scalar(select(ConsensusScore).where(ConsensusScore.bid_id == bid.id)) is not None
    answer = next(a for a in member.declaration.answers if a.organisation_id == bid.organisation_id)
    assert answer.band and answer.declared_later and answer.recorded_by_id is None
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "committee.conflict_later"))
    assert event is not None and event.actor_id == member.user_id
    assert event.details["scores_terzijde"] == len(tender.criteria)
    home = client.get(f"/beoordelen/{tender.id}/").get_data(True)
    assert bid.blind_code not in home and EXPLANATION in home
    # The export of individual scores no longer counts the set-aside scores.
    officer = _client(app, opened["officers"][0])
    export = officer.get(f"/aanbestedingen/{tender.id}/export/individueel").get_data(True)
    rows = [
        r for r in csv.reader(io.StringIO(export), delimiter=";") if r and r[0] == bid.blind_code
    ]
    assert len(rows) == 2 * len(tender.criteria)
    assert member.user.name not in {cell for row in rows for cell in row}
    # A KvK number of no bidder is refused, not ignored.
    html = client.post(
        f"/beoordelen/{tender.id}/band-melden",
        data={"organisation": "99999999", "explanation": EXPLANATION},
    ).get_data(True)
    assert "Ongeldige keuze" in html


def test_the_inkoper_takes_a_member_off_a_bid(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    db, tender = opened["db"], opened["tender"]
    members, bid = opened["members"], opened["bids"][2]
    _signed_and_scored(opened, bid)
    member = members[1]
    officer = _client(app, opened["officers"][0])
    url = f"/aanbestedingen/{tender.id}/commissie/{member.id}/inschrijving-afhalen"
    prefix = f"lid{member.id}-"
    response = officer.post(url, data={f"{prefix}bid": str(bid.id), f"{prefix}reason": "kort"})
    assert response.status_code == 302
    db.expire_all()
    assert evaluation.may_read_bid(member, bid, set())
    reason = "Blijkt oud-collega van de directeur van deze inschrijver."
    officer.post(url, data={f"{prefix}bid": str(bid.id), f"{prefix}reason": reason})
    db.expire_all()
    assert not evaluation.may_read_bid(member, bid, set())
    scores = db.scalars(
        select(Score).where(Score.bid_id == bid.id, Score.evaluator_id == member.user_id)
    ).all()
    assert scores and all(s.set_aside_at is not None for s in scores)
    answer = db.scalar(
        select(ConflictAnswer).where(
            ConflictAnswer.declaration_id == member.declaration.id,
            ConflictAnswer.organisation_id == bid.organisation_id,
        )
    )
    assert answer.band and answer.explanation == reason
    assert answer.recorded_by_id == opened["officers"][0].id
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "committee.remove_from_bid"))
    assert event is not None and event.details["reden"] == reason
    html = officer.get(f"/aanbestedingen/{tender.id}/commissie").get_data(True)
    assert reason in html and "door de inkoper van de inschrijving gehaald" in html
    home = _client(app, member.user).get(f"/beoordelen/{tender.id}/").get_data(True)
    assert bid.blind_code not in home


def test_a_member_who_scored_leaves_the_committee_only_with_a_reason(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    db, tender = opened["db"], opened["tender"]
    members, bid = opened["members"], opened["bids"][0]
    _signed_and_scored(opened, bid)
    member, user = members[2], members[2].user
    officer = _client(app, opened["officers"][0])
    url = f"/aanbestedingen/{tender.id}/commissie/{member.id}/verwijderen"
    page = officer.post(url, follow_redirects=True).get_data(True)
    assert "heeft al scores gegeven. Geef een reden" in page
    assert evaluation.membership(db, tender, user) is not None
    officer.post(url, data={"reason": "Langdurig ziek; vervangen door een ander lid."})
    db.expire_all()
    assert evaluation.membership(db, tender, user) is None
    scores = db.scalars(select(Score).where(Score.evaluator_id == user.id)).all()
    assert len(scores) == len(tender.criteria)
    assert all("Langdurig ziek" in s.set_aside_reason for s in scores)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "committee.remove"))
    assert event.details["scores_terzijde"] == len(tender.criteria)
    # Nothing is deleted: the member's row and signed declaration stay, marked removed.
    assert member.removed_at is not None and member.declaration is not None
    assert member.removed_reason.startswith("Langdurig ziek")
    assert member.id not in {m.id for m in evaluation.committee(db, tender)}
    gone = officer.post(f"/aanbestedingen/{tender.id}/commissie/{member.id}/voorzitter")
    assert gone.status_code == 404
    setup = officer.get(f"/aanbestedingen/{tender.id}/commissie").get_data(True)
    assert "Uit de commissie gehaald" in setup and "Langdurig ziek" in setup
    # Back on the committee, its earlier declaration still binds, and it cannot
    # overwrite a score that was set aside.
    again = evaluation.add_member(
        db,
        tender=tender,
        user=user,
        is_chair=False,
        actor=opened["officers"][0],
        now=opened["when"],
    )
    assert again.id == member.id and again.removed_at is None
    assert again.declaration is not None
    with pytest.raises(evaluation.EvaluationError, match="terzijde gelegd"):
        evaluation.save_score(
            db,
            member=again,
            bid=bid,
            criterion=tender.criteria[0],
            score=8,
            motivation=MOTIVATION,
            minimum_motivation=50,
            excluded=set(),
            now=opened["when"],
        )


def test_the_award_report_lists_the_declared_bands(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer, _council = _scored_demo(app, session, now)
    announce_award(app, tender, officer)
    response = _client(app, officer).get(f"/aanbestedingen/{tender.id}/gunning/rapport")
    assert response.mimetype == "application/pdf"
    text_ = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    text_ = " ".join(text_.split())
    assert "DEMO: mijn zus is teamleider bij deze organisatie." in text_
    assert "bij ondertekenen" in text_ and "Gemelde banden" in text_
    band = next(
        a for m in evaluation.committee(session, tender) for a in m.declaration.answers if a.band
    )
    assert band.organisation.name in text_


def test_a_removed_members_declaration_stays_in_the_award_report(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer, _council = _scored_demo(app, session, now)
    member = next(
        m
        for m in evaluation.committee(session, tender)
        if m.declaration is not None and any(a.band for a in m.declaration.answers)
    )
    # The demo is scored, when the committee is closed; mark the member as
    # remove_member does during the evaluation (tested above).
    member.removed_at, member.removed_by_id = now, officer.id
    member.removed_reason = "Vervangen wegens vertrek bij de gemeente."
    session.commit()
    announce_award(app, tender, officer)
    response = _client(app, officer).get(f"/aanbestedingen/{tender.id}/gunning/rapport")
    assert response.mimetype == "application/pdf"
    text_ = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    text_ = " ".join(text_.split())
    assert "uit de commissie gehaald op" in text_
    assert "Vervangen wegens vertrek bij de gemeente." in text_
    assert "DEMO: mijn zus is teamleider bij deze organisatie." in text_


def test_migration_turns_old_conflicts_into_band_answers(
    empty_database_url: str,
) -> None:
    migrate.upgrade(empty_database_url, "0010_consensus_reopen")
    engine = create_engine(empty_database_url)
    signed = datetime(2026, 7, 1, 9, 0)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # a declaration without its member
            connection.execute(text("SET session_replication_role = replica"))
        connection.execute(
            text(
                "INSERT INTO organisation (id, name, kvk_number, street_address, postcode, "
                "city, contact_person, email, phone, website, is_demo, created_at) VALUES "
                "(7, 'Zorg aan de Lek', '12345678', 'Dijk 1', '2861 AA', 'Lekkerkerk', "
                "'A. de Vries', 'info@example.org', '', '', :no, :signed)"
            ),
            {"no": False, "signed": signed},
        )
        connection.execute(
            text(
                "INSERT INTO conflict_declaration (id, member_id, signed_at, statement) "
                "VALUES (1, 1, :signed, '')"
            ),
            {"signed": signed},
        )
        connection.execute(
            text(
                "INSERT INTO conflict_organisation (declaration_id, organisation_id) VALUES (1, 7)"
            )
        )
    migrate.upgrade(empty_database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT declaration_id, organisation_id, band, explanation, declared_later "
                "FROM conflict_answer"
            )
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, 7, True, "(vóór deze versie opgegeven)", False)]


def test_a_band_declared_in_this_session_counts_although_the_bands_were_loaded_before(
    opened,
) -> None:  # type: ignore[no-untyped-def]
    """The blind pages load only the answers with a band (``band_answers``, read-only);
    a band recorded afterwards in the same session must count at once."""
    db, tender = opened["db"], opened["tender"]
    bid = opened["bids"][1]
    _signed_and_scored(opened, bid)
    db.commit()
    db.expire_all()
    member = next(m for m in evaluation.scorers(db, tender) if m.id == opened["members"][1].id)
    assert "answers" in inspect(member.declaration).unloaded
    assert evaluation.may_read_bid(member, bid, set())
    evaluation.declare_conflict_later(
        db,
        member=member,
        kvk_number=bid.organisation.kvk_number,
        explanation=EXPLANATION,
        now=opened["when"],
    )
    assert not evaluation.may_read_bid(member, bid, set())
    assert evaluation.banded(member) == {bid.organisation_id}
    assert [o.id for o in member.declaration.conflicts] == [bid.organisation_id]
    db.commit()
    db.expire_all()
    again = next(m for m in evaluation.scorers(db, tender) if m.id == member.id)
    assert evaluation.banded(again) == {bid.organisation_id}
    assert "answers" in inspect(again.declaration).unloaded
