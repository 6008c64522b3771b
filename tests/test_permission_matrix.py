"""Every route x every role (and anonymous): the expected answer.

The table must name every route of the app; a new route without a row fails
``test_every_route_is_in_the_matrix``. The adviesraad's view of a tender with bids is
walked through its phases, from submitted to the announced award decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import award_steps
import pytest
from factories import (
    ROOT,
    ask_question,
    login,
    make_published_tender,
    make_tender,
    make_user,
    publish_qa_round,
)
from flask import Flask, url_for
from sqlalchemy import select
from test_advisory_council import announce_award, bidder_identities
from test_award import decide_all_gaps
from test_bid_access import BID_ROUTES

from tender import clock, demo
from tender.accounts.models import Role, User
from tender.award.models import AwardDecision
from tender.db import db_session
from tender.documents.models import Document
from tender.documents.service import documents_dir
from tender.permissions import Permission, can
from tender.tenders.models import Tender, TenderState

THREE_LOTS = ROOT / "tests" / "criteria" / "files" / "three-lots-ranked.toml"
ANON = "anoniem"
ROLES = [ANON, *[role.value for role in Role]]
LOGIN = 302  # anonymous users are sent to the login page


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    target: str  # which object the URL points at
    expected: dict[str, int]

    @property
    def id(self) -> str:
        return f"{self.method} {self.endpoint} [{self.target}]"


def only(allowed: dict[str, int], *, default: int = 403, anon: int = LOGIN) -> dict[str, int]:
    """Expected codes: ``allowed`` for the roles named, ``default`` for the other roles."""
    codes = {role: default for role in ROLES}
    codes[ANON] = anon
    codes.update(allowed)
    return codes


EVERYONE_REDIRECTED = {role: 302 for role in ROLES}
OFFICER = {"inkoper": 200}
OFFICER_POST = {"inkoper": 302}
QA_READERS = {"inkoper": 200, "adviesraad": 200, "aanbieder": 200}
TENDER_READERS = {"inkoper": 200, "adviesraad": 200, "aanbieder": 200}
TENDER_NOT_FOUND = {"inkoper": 404, "adviesraad": 404, "aanbieder": 404}
OCDS_READERS = {"inkoper": 200, "adviesraad": 200}

CASES = [
    Case("portal.home", "GET", "-", EVERYONE_REDIRECTED),
    Case("portal.provider_home", "GET", "-", only({"aanbieder": 200})),
    Case("portal.evaluator_home", "GET", "-", only({"beoordelaar": 200})),
    Case("accounts.login", "GET", "-", {**EVERYONE_REDIRECTED, ANON: 200}),
    Case("accounts.login", "POST", "-", {**EVERYONE_REDIRECTED, ANON: 200}),
    Case("accounts.register", "GET", "-", {**EVERYONE_REDIRECTED, ANON: 200}),
    Case("accounts.register", "POST", "-", {**EVERYONE_REDIRECTED, ANON: 200}),
    Case("accounts.logout", "POST", "-", EVERYONE_REDIRECTED),
    Case("accounts.change_password", "GET", "-", only({r: 200 for r in ROLES if r != ANON})),
    Case("accounts.change_password", "POST", "-", only({r: 200 for r in ROLES if r != ANON})),
    Case("admin.users", "GET", "-", only({"beheerder": 200})),
    Case("admin.new_user", "GET", "-", only({"beheerder": 200})),
    Case("admin.new_user", "POST", "-", only({"beheerder": 200})),
    Case("admin.toggle_user", "POST", "other user", only({"beheerder": 302})),
    Case("admin.toggle_user", "POST", "missing user", only({"beheerder": 404})),
    Case("admin.user_detail", "GET", "other user", only({"beheerder": 200})),
    Case("admin.user_detail", "GET", "missing user", only({"beheerder": 404})),
    # An empty form is shown again with its errors.
    Case("admin.change_role", "POST", "other user", only({"beheerder": 200})),
    Case("admin.reset_user", "POST", "other user", only({"beheerder": 302})),
    Case("accounts.my_account", "GET", "-", only({r: 200 for r in ROLES if r != ANON})),
    # Activation links are for visitors who are not logged in.
    Case("accounts.activate", "GET", "unknown token", only({}, anon=404)),
    Case("accounts.activate", "POST", "unknown token", only({}, anon=404)),
    # A registration's confirmation link: the token alone decides (unknown: 404).
    Case("accounts.confirm_registration", "GET", "unknown token", {r: 404 for r in ROLES}),
    Case("accounts.confirm_registration", "POST", "unknown token", {r: 404 for r in ROLES}),
    Case("accounts.logout_everywhere", "POST", "-", EVERYONE_REDIRECTED),
    Case("accounts.account_events", "GET", "-", only({"inkoper": 200, "beheerder": 200})),
    Case("accounts.confirm_role", "POST", "missing request", only({"inkoper": 404})),
    Case("accounts.reject_role", "POST", "missing request", only({"inkoper": 404})),
    # A provider organisation's page: its members; managed by its beheerder (every
    # provider made here registered its organisation, so is its beheerder). The members'
    # own flows: test_organisations.
    Case("organisations.show", "GET", "-", only({"aanbieder": 200})),
    Case("organisations.invite", "POST", "-", only({"aanbieder": 400})),  # empty form
    Case("organisations.member_rights", "POST", "missing user", only({"aanbieder": 404})),
    Case("organisations.remove", "POST", "missing user", only({"aanbieder": 404})),
    Case("organisations.accept_join", "POST", "missing request", only({"aanbieder": 404})),
    Case("organisations.refuse_join", "POST", "missing request", only({"aanbieder": 404})),
    Case("tenders.index", "GET", "-", only({"inkoper": 200, "adviesraad": 200})),
    Case("tenders.create", "GET", "-", only(OFFICER)),
    Case("tenders.create", "POST", "-", only(OFFICER)),
    Case("tenders.show", "GET", "concept", only(OFFICER)),
    Case(
        "tenders.show",
        "GET",
        "published",
        only({"inkoper": 200, "adviesraad": 200, "aanbieder": 200}),
    ),
    Case(
        "tenders.show",
        "GET",
        "missing tender",
        only({"inkoper": 404, "adviesraad": 404, "aanbieder": 404}),
    ),
    Case("tenders.criteria_file", "GET", "concept", only(OFFICER)),
    Case(
        "tenders.criteria_file",
        "GET",
        "published",
        only({"inkoper": 200, "adviesraad": 200, "aanbieder": 200}),
    ),
    # The tender documents made at publication: for everyone who reads the tender.
    Case("tenders.tender_document", "GET", "leidraad", only(TENDER_READERS)),
    Case("tenders.tender_document", "GET", "concept contract", only(TENDER_READERS)),
    Case("tenders.tender_document", "GET", "nota as tender document", only(TENDER_NOT_FOUND)),
    Case("tenders.tender_document", "GET", "leidraad via concept", only({"inkoper": 404})),
    Case("tenders.tender_document", "GET", "missing tender document", only(TENDER_NOT_FOUND)),
    Case("tenders.replace_configuration", "POST", "concept", only(OFFICER_POST)),
    # Open data (OCDS) from publication on, for the inkoper and the adviesraad.
    Case("tenders.ocds_export", "GET", "concept", only({})),
    Case("tenders.ocds_export", "GET", "published", only(OCDS_READERS)),
    Case("tenders.ocds_export", "GET", "missing tender", only({"inkoper": 404, "adviesraad": 404})),
    Case("tenders.replace_configuration", "POST", "published", only(OFFICER_POST)),
    Case("tenders.schedule", "GET", "concept", only(OFFICER)),
    Case("tenders.schedule", "POST", "concept", only(OFFICER_POST)),
    # Moving the dates of a published tender (tender.tenders.schedule); an empty form is
    # shown again.
    Case("schedule.change", "GET", "published", only(OFFICER)),
    Case("schedule.change", "POST", "published", only(OFFICER)),
    Case("schedule.change", "GET", "missing tender", only({"inkoper": 404})),
    Case("tenders.signatory", "GET", "published", only(OFFICER)),
    Case("tenders.signatory", "POST", "published", only(OFFICER)),  # empty form: shown again
    Case("tenders.publish", "POST", "concept", only(OFFICER_POST)),
    Case("tenders.publish", "POST", "missing tender", only({"inkoper": 404})),
    Case("tenders.withdraw", "GET", "published", only(OFFICER)),
    Case("tenders.withdraw", "POST", "published", only(OFFICER)),
    Case("tenders.audit_trail", "GET", "published", only(OFFICER)),
    Case("tenders.audit_trail", "GET", "missing tender", only({"inkoper": 404})),
    Case("bids.start", "POST", "published", only({"aanbieder": 302})),
    Case("bids.start", "POST", "missing tender", only({"aanbieder": 404})),
    Case("qa.questions", "GET", "published", only({"aanbieder": 200})),
    Case("qa.questions", "GET", "concept", only({})),
    Case("qa.questions", "GET", "missing tender", only({"aanbieder": 404})),
    Case("qa.questions", "POST", "published", only({"aanbieder": 200})),
    Case("qa.nota", "GET", "published", only(QA_READERS)),
    Case("qa.nota", "GET", "concept", only(OFFICER)),
    Case("qa.nota_pdf", "GET", "published round", only(QA_READERS)),
    Case("qa.nota_pdf", "GET", "missing round", only({r: 404 for r in QA_READERS})),
    Case("qa.manage", "GET", "published", only(OFFICER)),
    # Showing who asked writes an audit event: a POST, answered with the page.
    Case("qa.reveal_asker", "POST", "question", only(OFFICER)),
    Case("qa.reveal_asker", "POST", "question of another tender", only({"inkoper": 404})),
    Case("qa.answer", "GET", "question", only(OFFICER)),
    Case("qa.answer", "POST", "question", only(OFFICER)),
    Case("qa.answer", "GET", "question of another tender", only({"inkoper": 404})),
    Case("qa.edit_question", "GET", "question", only(OFFICER)),
    Case("qa.edit_question", "POST", "question", only(OFFICER)),
    Case("qa.edit_question", "GET", "question of another tender", only({"inkoper": 404})),
    Case("qa.merge", "GET", "published", only(OFFICER)),
    Case("qa.merge", "POST", "published", only(OFFICER)),
    Case("qa.own_question", "GET", "published", only(OFFICER)),
    Case("qa.own_question", "POST", "published", only(OFFICER)),
    Case("qa.publish", "GET", "published", only(OFFICER)),
    Case("qa.publish", "POST", "published", only(OFFICER)),
    Case("qa.outbox", "GET", "-", only(OFFICER)),
    Case("qa.outbox_message", "GET", "missing message", only({"inkoper": 404})),
    # Opening and evaluation, on a published tender that is not yet opened. Members of a
    # committee and opened tenders: test_evaluation.
    Case("evaluation.opening", "GET", "published", only(OFFICER)),
    Case("evaluation.start_opening", "POST", "published", only(OFFICER_POST)),
    Case("evaluation.confirm_opening", "POST", "published", only(OFFICER_POST)),
    Case("evaluation.opening_record", "GET", "published", only({"inkoper": 404})),
    Case("evaluation.requirement_overview", "GET", "published", only(OFFICER_POST)),
    Case("evaluation.requirement_check", "GET", "published bid", only(OFFICER_POST)),
    Case("evaluation.requirement_check", "POST", "published bid", only(OFFICER_POST)),
    Case("evaluation.committee_setup", "GET", "published", only(OFFICER)),
    Case("evaluation.committee_setup", "POST", "published", only(OFFICER)),
    Case("evaluation.make_chair", "POST", "missing member", only({"inkoper": 404})),
    Case("evaluation.remove_member", "POST", "missing member", only({"inkoper": 404})),
    Case("evaluation.remove_member_from_bid", "POST", "missing member", only({"inkoper": 404})),
    Case("evaluation.progress", "GET", "published", only(OFFICER)),
    Case("evaluation.complete", "POST", "published", only(OFFICER_POST)),
    Case("evaluation.export", "GET", "export", only(OFFICER_POST)),
    Case("committee.tender_home", "GET", "published", only({})),
    Case("committee.declaration", "GET", "published", only({})),
    Case("committee.declaration", "POST", "published", only({})),
    Case("committee.declare_conflict", "POST", "published", only({})),
    Case("committee.score_bid", "GET", "blind number", only({})),
    Case("committee.score_bid", "POST", "blind number", only({})),
    Case("committee.plan_attachment", "GET", "blind criterion", only({})),
    Case("committee.consensus", "GET", "blind number", only({})),
    Case("committee.consensus", "POST", "blind number", only({})),
    Case("committee.open_consensus", "POST", "blind number", only({})),
    Case("committee.reopen_consensus", "POST", "blind number", only({})),
    # Held-back attachments: the inkoper only, after the opening (before it: back to the
    # tender page). The opened flow: test_attachment_sanitising.
    Case("attachments.review", "GET", "published", only(OFFICER_POST)),
    Case("attachments.review", "GET", "missing tender", only({"inkoper": 404})),
    Case("attachments.preview", "GET", "published copy", only(OFFICER_POST)),
    Case("attachments.release", "POST", "published copy", only(OFFICER_POST)),
    Case("attachments.withhold", "POST", "published copy", only(OFFICER_POST)),
    # The award, on a published tender (no decision possible yet). The flow itself, the
    # provider's own documents and the advisory council: test_award_documents and
    # test_advisory_council.
    # The steps explain themselves on a published tender; a refused POST shows the page again.
    Case("award.overview", "GET", "published", only(OFFICER)),
    Case("award.advice", "GET", "published", only(OFFICER)),
    Case("award.advice", "POST", "published", only(OFFICER)),
    Case("award.concept_zip", "GET", "published", only({"inkoper": 404})),
    Case("award.concept_letter", "GET", "published bid", only({"inkoper": 404})),
    Case("award.concept_report", "GET", "published", only({"inkoper": 404})),
    Case("award.review", "GET", "published", only(OFFICER)),
    Case("award.strengths", "GET", "published", only(OFFICER)),
    Case("award.strengths", "POST", "published", only(OFFICER)),
    Case("award.review", "POST", "published", only(OFFICER)),
    Case("award.decide", "GET", "published", only(OFFICER)),
    Case("award.decide", "POST", "published", only(OFFICER)),
    Case("award.sending", "GET", "published", only(OFFICER)),
    Case("award.sending", "POST", "published", only(OFFICER)),
    Case("award.withdraw", "POST", "published", only(OFFICER_POST)),
    Case("award.revision", "GET", "published", only(OFFICER)),
    Case("award.revision", "POST", "published", only(OFFICER)),
    Case("award.resume", "POST", "letters job", only({"inkoper": 404})),
    Case("award_draw.show", "GET", "published lot", only(OFFICER)),
    Case("award_draw.show", "GET", "missing lot", only({"inkoper": 404})),
    Case("award_draw.record", "POST", "published lot", only(OFFICER)),
    Case("award.objection", "POST", "published", only(OFFICER_POST)),
    Case("award.definitive", "POST", "published", only(OFFICER_POST)),
    Case("award.progress", "GET", "published", only(OFFICER)),
    Case("award.document", "GET", "published document", only({"inkoper": 404})),
    Case("award.zip_all", "GET", "published", only(OFFICER)),
    Case("award.report", "GET", "published", only({"inkoper": 404})),
    Case("award_documents.own_document", "GET", "missing document", only({"aanbieder": 404})),
    # The dossier: the inkoper makes it of any tender; a provider its own inzage, once its
    # award letter was sent (404 before). The flows: test_dossier.
    Case("dossier.overview", "GET", "published", only(OFFICER)),
    Case("dossier.overview", "GET", "missing tender", only({"inkoper": 404})),
    Case("dossier.make", "POST", "published", only(OFFICER_POST)),
    Case("dossier.progress", "GET", "published", only(OFFICER)),
    Case("dossier.download_dossier", "GET", "published dossier", only({"inkoper": 404})),
    Case("own_dossier.make_own", "POST", "missing bid", only({"aanbieder": 404})),
    Case("own_dossier.own_progress", "GET", "-", only({"aanbieder": 200})),
    Case("own_dossier.download_own", "GET", "missing dossier", only({"aanbieder": 404})),
    # Coverage: before the opening the page explains itself; the gap form re-renders it.
    Case("coverage.show", "GET", "published", only({"inkoper": 200, "adviesraad": 200})),
    Case("coverage.show", "GET", "concept", only(OFFICER)),
    Case("coverage.show", "GET", "missing tender", only({"inkoper": 404, "adviesraad": 404})),
    Case("coverage.decide_gap", "POST", "published", only(OFFICER)),
    Case("coverage.decide_gap", "POST", "missing tender", only({"inkoper": 404})),
]


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    covered = {(case.endpoint, case.method) for case in CASES} | {
        # Bid-content routes have their own matrix, with a submitted bid: test_bid_access.
        *BID_ROUTES
    }
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - covered == set(), "routes without a row in the permission matrix"
    assert covered - routes == set(), "rows for routes that do not exist"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_route_answers_each_role_as_expected(app: Flask, now: datetime, case: Case) -> None:
    with app.app_context():
        session = db_session()
        users = {role.value: make_user(session, role, now=now) for role in Role}
        concept = make_tender(session, now=now)
        published = make_published_tender(
            session, now=now, path=THREE_LOTS, storage_dir=documents_dir(app.instance_path)
        )
        other_user = make_user(session, Role.EVALUATOR, now=now)
        answered = ask_question(session, published, asker=users["aanbieder"], now=now)
        publish_qa_round(
            session,
            published,
            question=answered,
            officer=users["inkoper"],
            now=now,
            storage_dir=documents_dir(app.instance_path),
        )
        question = ask_question(session, published, asker=users["aanbieder"], now=now)
        session.commit()
        published_documents = {
            d.kind: d.id
            for d in session.scalars(select(Document).where(Document.tender_id == published.id))
        }
        targets = {
            "-": {},
            "concept": {"tender_id": concept.id},
            "published": {"tender_id": published.id},
            "missing tender": {"tender_id": 999_999},
            "other user": {"user_id": other_user.id},
            "missing user": {"user_id": 999_999},
            "unknown token": {"token": "onbekend"},
            "missing request": {"request_id": 999_999},
            "question": {"tender_id": published.id, "question_id": question.id},
            "question of another tender": {"tender_id": concept.id, "question_id": question.id},
            "published round": {"tender_id": published.id, "number": 1},
            "missing round": {"tender_id": published.id, "number": 99},
            "missing message": {"name": "bestaat-niet.eml"},
            "published bid": {"tender_id": published.id, "bid_id": 999_999},
            "missing member": {"tender_id": published.id, "member_id": 999_999},
            "export": {"tender_id": published.id, "kind": "xlsx"},
            "blind number": {"tender_id": published.id, "number": 1},
            "published document": {"tender_id": published.id, "document_id": 999_999},
            "missing document": {"document_id": 999_999},
            "published dossier": {"tender_id": published.id, "dossier_id": 999_999},
            "missing dossier": {"dossier_id": 999_999},
            "missing bid": {"bid_id": 999_999},
            "blind criterion": {"tender_id": published.id, "number": 1, "criterion_id": 1},
            "published copy": {"tender_id": published.id, "copy_id": 999_999},
            "published lot": {"tender_id": published.id, "lot_code": "HERSTEL"},
            "missing lot": {"tender_id": published.id, "lot_code": "ONBEKEND"},
            "letters job": {"tender_id": published.id, "kind": "award_letters"},
            "leidraad": {"tender_id": published.id, "document_id": published_documents["leidraad"]},
            "concept contract": {
                "tender_id": published.id,
                "document_id": published_documents["concept_contract"],
            },
            "nota as tender document": {
                "tender_id": published.id,
                "document_id": published_documents["qa_nota"],
            },
            "leidraad via concept": {
                "tender_id": concept.id,
                "document_id": published_documents["leidraad"],
            },
            "missing tender document": {"tender_id": published.id, "document_id": 999_999},
        }
        with app.test_request_context():
            url = url_for(case.endpoint, **targets[case.target])
        user_ids = {role: user.id for role, user in users.items()}

    clock.set_clock(lambda: now)
    answers = {}
    for role in ROLES:
        client = app.test_client()
        if role != ANON:
            with app.app_context():
                login(client, db_session().get(User, user_ids[role]))
        response = client.open(url, method=case.method)
        answers[role] = response.status_code
        if role == ANON and response.status_code == 302 and case.expected[ANON] == LOGIN:
            assert "/inloggen" in response.headers["Location"], case.id
    assert answers == case.expected


@pytest.mark.parametrize("state", list(TenderState), ids=str)
def test_coverage_and_award_report_rules_per_state(state: TenderState) -> None:
    """Coverage counts for the adviesraad once public; who is behind them (names, reasons)
    for the inkoper only; the award report for the adviesraad once announced."""
    tender = Tender(state=state)
    asked = (Permission.COVERAGE_READ, Permission.COVERAGE_DETAIL, Permission.AWARD_REPORT_READ)
    answers = {
        role.value: tuple(
            can(User(role=role, active=True), permission, tender) for permission in asked
        )
        for role in Role
    }
    expected = {role.value: (False, False, False) for role in Role}
    expected["inkoper"] = (True, True, True)
    expected["adviesraad"] = (
        state != TenderState.CONCEPT,
        False,
        state in (TenderState.PROVISIONALLY_AWARDED, TenderState.AWARDED),
    )
    assert answers == expected


# One tender with bids through its phases. Before the opening nothing of the bids and
# after it coverage as counts; the award report once the decision is announced (letters
# and report released: voorlopig gegund). Taken but not yet announced ("besloten") the
# report is a concept the bidders have not seen: not for the adviesraad.
SET_UP_READERS = {"inkoper": 200, "adviesraad": 200, "aanbieder": 200}
COVERAGE_READERS = {"inkoper": 200, "adviesraad": 200}
BEFORE_ANNOUNCEMENT = {
    "tenders.show": only(SET_UP_READERS),
    "coverage.show": only(COVERAGE_READERS),
    "award.report": only({"inkoper": 404}),  # no report yet
    "tenders.ocds_export": only(OCDS_READERS),
}
PHASES = {
    "ingediend": BEFORE_ANNOUNCEMENT,
    "gesloten": BEFORE_ANNOUNCEMENT,
    "geopend": BEFORE_ANNOUNCEMENT,
    "beoordeeld": BEFORE_ANNOUNCEMENT,
    "besloten": BEFORE_ANNOUNCEMENT,
    "voorlopig gegund": {
        **BEFORE_ANNOUNCEMENT,
        "award.report": only({"inkoper": 200, "adviesraad": 200}),
    },
}
SEALED_PHASES = ("ingediend", "gesloten")


def _tender_in_phase(app: Flask, phase: str, now: datetime) -> tuple[int, datetime]:
    """A demo tender with three bids brought to ``phase``: (tender id, the moment to ask)."""
    with app.app_context():
        session = db_session()
        demo_phase = {"ingediend": "submitted", "gesloten": "submitted", "geopend": "opened"}
        result = demo.build(
            session,
            criteria_path=None,
            bids=3,
            now=now,
            instance_path=app.instance_path,
            phase=demo_phase.get(phase, "scored"),
        )
        tender = result.tender
        moment = tender.submission_deadline + timedelta(hours=1) if phase == "gesloten" else now
        session.commit()
        if phase in ("besloten", "voorlopig gegund"):
            officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
            decide_all_gaps(session, tender, officer, now)
            session.commit()
            clock.set_clock(lambda: now)
            if phase == "besloten":  # decided, letters not yet sent
                award_steps.decide(session, tender, preparer=officer, now=now)
                session.commit()
        tender_id = tender.id
    if phase == "voorlopig gegund":
        # Outside the app context: each inkoper's requests need their own (and own user).
        announce_award(app, tender, officer)
    if phase in ("besloten", "voorlopig gegund"):
        with app.app_context():
            found = db_session().scalar(
                select(AwardDecision).where(AwardDecision.tender_id == tender_id)
            )
            assert found is not None
    return tender_id, moment


@pytest.mark.parametrize("phase", list(PHASES))
def test_tender_coverage_and_report_through_the_phases(
    app: Flask, now: datetime, phase: str
) -> None:
    tender_id, moment = _tender_in_phase(app, phase, now)
    with app.app_context():
        session = db_session()
        users = {role.value: make_user(session, role, now=now).id for role in Role}
        session.commit()
        secrets = bidder_identities(session, session.get(Tender, tender_id))
        with app.test_request_context():
            urls = {endpoint: url_for(endpoint, tender_id=tender_id) for endpoint in PHASES[phase]}
    clock.set_clock(lambda: moment)
    answers: dict[str, dict[str, int]] = {endpoint: {} for endpoint in urls}
    for role in ROLES:
        client = app.test_client()
        if role != ANON:
            with app.app_context():
                login(client, db_session().get(User, users[role]))
        for endpoint, url in urls.items():
            response = client.get(url)
            answers[endpoint][role] = response.status_code
            if role != "adviesraad" or not response.mimetype.startswith("text/"):
                continue
            body = response.get_data(as_text=True)
            assert [secret for secret in secrets if secret in body] == [], (phase, endpoint)
            if endpoint == "coverage.show" and phase in SEALED_PHASES:
                assert "<table" not in body and "De dekking is te zien na de opening" in body
    assert answers == PHASES[phase]
    with app.app_context():
        expected_state = {
            "ingediend": TenderState.PUBLISHED,
            "gesloten": TenderState.CLOSED,
            "geopend": TenderState.OPENED,
            "voorlopig gegund": TenderState.PROVISIONALLY_AWARDED,
        }.get(phase, TenderState.EVALUATED)
        assert db_session().get(Tender, tender_id).state == expected_state
