"""Every form of every role, fuzzed: no input answers 500 (issue 13 item 10).

A world with a tender in each kind of phase is built once per database: an evaluated
demo tender with bids, committee and scores (A, for the opening, committee, award and
coverage forms), a published tender with a provider's bid being written and a question
(B, for the bid and Q&A forms) and a concept tender (C, for the set-up forms). Every
POST route of the app gets a URL with real ids of that world; the list must be
complete, as in the permission matrix.

The field names come from the forms the app itself renders: every page a role can
reach that posts to the route, read with its inputs, selects (their options) and text
areas. Hypothesis then posts, as every role and anonymously, values such as NUL and
control characters, very long strings, unicode, negative and huge numbers, impossible
dates, missing and duplicated fields, and files with garbage content. Roles that may
not post the route get one example; the others a few more. CSRF is off as in the
other tests (tests/test_security.py checks it). A view that raises answers 500 here
(exceptions are not propagated), and the exception is collected for the report.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import lxml.html
import pytest
from factories import (
    ROOT,
    ask_question,
    login,
    make_complete_bid,
    make_published_tender,
    make_tender,
    make_user,
)
from flask import Flask, got_request_exception, url_for
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_get_no_writes import ACCOUNTS
from test_permission_matrix import ANON, THREE_LOTS

from tender import clock, demo
from tender.accounts.models import Role, User
from tender.award import steps
from tender.award.models import AwardDecision
from tender.bids import service as bids
from tender.bids.models import Bid
from tender.bids.uploads import uploads_dir
from tender.db import db_session
from tender.evaluation import attachments
from tender.evaluation import service as evaluation
from tender.evaluation.models import AttachmentCopy, CommitteeMember
from tender.tenders.models import Tender
from tender.timefmt import to_local

H4 = ROOT / "criteria" / "h4-begeleiding-2019.toml"
MISSING = 999_999
# Posted last: they end what the other routes need (a session, a tender, a bid).
LAST = (
    "bids.submit",
    "bids.withdraw",
    "tenders.withdraw",
    "award.withdraw",
    "award.definitive",
    "accounts.logout",
    "accounts.logout_everywhere",
)
# Which tender of the world a route's tender_id points at.
CONCEPT_ROUTES = ("tenders.replace_configuration", "tenders.schedule", "tenders.publish")
PUBLISHED_PREFIXES = ("tenders.", "qa.", "bids.", "schedule.")
# The evaluated tender of the world, in each phase whose forms differ: the demo's phase
# and what the test adds (a committee without or with declarations, the advice
# approved, the decision recorded), with the forms that only that phase shows.
PHASES: dict[str, tuple[str, set[str]]] = {
    "declaring": ("opened", {"committee.declaration", "evaluation.complete"}),
    "scoring": (
        "opened",
        {
            "committee.score_bid",
            "committee.declare_conflict",
            "committee.open_consensus",
            "evaluation.remove_member_from_bid",
        },
    ),
    "scored": ("scored", {"award.advice", "award.revision", "coverage.decide_gap"}),
    "advice": ("advice", {"award.review", "attachments.release", "attachments.withhold"}),
    "approved": ("advice", {"award.decide"}),
    "decided": ("advice", {"award.sending"}),
    "sent": (
        "sent",
        {"award.objection", "award.definitive", "award.withdraw", "own_dossier.make_own"},
    ),
}
# Forms every phase shows: accounts, administration, and the published and concept
# tenders of the world with a provider's bid being written.
EVERY_PHASE = {
    "accounts.change_password", "accounts.login", "accounts.logout",
    "accounts.logout_everywhere", "accounts.register", "admin.change_role", "admin.new_user",
    "admin.reset_user", "bids.coverage", "bids.lots", "bids.network", "bids.organisation",
    "bids.plan", "bids.remove_partner", "bids.remove_subcontractor", "bids.requirements",
    "bids.subcontractors", "bids.submit", "dossier.make", "evaluation.committee_setup",
    "evaluation.make_chair",
    "organisations.invite", "organisations.member_rights",
    "evaluation.remove_member", "evaluation.requirement_check", "qa.answer", "qa.questions",
    "qa.reveal_asker", "qa.edit_question", "qa.own_question", "schedule.change",
    "tenders.create", "tenders.publish", "tenders.replace_configuration", "tenders.schedule",
    "tenders.signatory", "tenders.withdraw",
}  # fmt: skip
# Forms no page of these worlds shows (a link from a mail, a state the worlds do not
# reach): posted with unknown fields only, which must still answer without a 500.
NOT_SHOWN = {
    "accounts.activate": "de link uit de activeringsmail",
    "accounts.confirm_registration": "de link uit de bevestigingsmail",
    "accounts.confirm_role": "een rolwijziging die op bevestiging wacht",
    "accounts.reject_role": "een rolwijziging die op bevestiging wacht",
    "admin.toggle_user": "de gebruikerslijst van de beheerder",
    "award.resume": "een afgebroken verzendtaak",
    "award.strengths": "gunning op rangorde",
    "award_draw.record": "gelijk geëindigde inschrijvingen",
    "bids.start": "een aanbieder zonder inschrijving",
    "bids.withdraw": "een ingediende inschrijving",
    "committee.consensus": "een consensus die de voorzitter vastlegt",
    "committee.reopen_consensus": "een vastgelegde consensus",
    "evaluation.start_opening": "een gesloten, nog niet geopende aanbesteding",
    "evaluation.confirm_opening": "een gesloten, nog niet geopende aanbesteding",
    "qa.publish": "een beantwoorde vraag",
    "qa.merge": "twee ongepubliceerde vragen",
    "organisations.accept_join": "een aanmelding bij de organisatie",
    "organisations.refuse_join": "een aanmelding bij de organisatie",
    "organisations.remove": "een tweede lid van de organisatie",
}
ROLES = {**ACCOUNTS, "tweede inkoper": "inkoper2@demo.example"}
EXAMPLES_ALLOWED = 3
EXAMPLES_REFUSED = 1

_SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
NASTY = st.one_of(
    _SAFE_TEXT,
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), min_size=1, max_size=8),
    st.builds(lambda a, b: f"{a}\x00{b}", _SAFE_TEXT, _SAFE_TEXT),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=1_000, max_value=200_000).map(lambda n: "é" * n),
    st.sampled_from(
        [
            "",
            " ",
            "-1",
            "0",
            "1e309",
            "NaN",
            "-inf",
            "9" * 40,
            "2026-02-30",
            "2026-13-01",
            "0000-00-00",
            "9999-12-31",
            "31-12-2026",
            "25:61",
            "02:30",
            "2026-03-29",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "../../etc/passwd",
            "\u202eevil",
            "ﷺ" * 100,
        ]
    ),
)


@dataclass
class FormFields:
    """What the app's own pages post to one URL: field names, and the values offered."""

    values: dict[str, set[str]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)


def harvest(html: str, base: str, found: dict[str, FormFields]) -> None:
    """Add the POST forms of ``html`` to ``found``, keyed by the path they post to."""
    try:
        document = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return
    for form in document.forms:
        if (form.method or "GET").upper() != "POST":
            continue
        action = (form.action or base).split("#")[0].split("?")[0]
        fields = found.setdefault(action, FormFields())
        for element in form.inputs:
            name = element.get("name")
            if not name or name == "csrf_token":
                continue
            offered = fields.values.setdefault(name, set())
            if element.tag == "select":
                offered |= {o.get("value", o.text_content()) for o in element.iter("option")}
            elif element.get("type") == "file":
                fields.files.add(name)
            elif element.get("value") is not None:
                offered.add(element.get("value"))


def _field_value(offered: set[str]) -> st.SearchStrategy[Any]:
    """A field's value: missing (None), one value or the field duplicated (a list)."""
    one = st.one_of(st.sampled_from(sorted(offered)), NASTY) if offered else NASTY
    return st.one_of(st.none(), one, st.lists(one, min_size=2, max_size=3))


def _file_value() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.tuples(
            st.binary(max_size=2048),
            st.one_of(_SAFE_TEXT, st.sampled_from(["a.pdf", "x.toml", "..\\..\\b.pdf", ".pdf"])),
        ),
    )


def payloads(fields: FormFields) -> st.SearchStrategy[dict[str, Any]]:
    text_fields = {
        name: _field_value(offered)
        for name, offered in fields.values.items()
        if name not in fields.files
    }
    # Names no form has: a form must ignore what it does not know.
    text_fields["onbekend_veld"] = _field_value(set())
    file_fields = {name: _file_value() for name in fields.files}
    return st.fixed_dictionaries({**text_fields, **file_fields})


def form_data(payload: dict[str, Any], files: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in payload.items():
        if value is None:
            continue
        if name in files:
            content, filename = value
            data[name] = (io.BytesIO(content), filename or "bestand")
        else:
            data[name] = value
    return data


@dataclass
class World:
    urls: dict[str, str]  # POST endpoint -> URL
    hubs: list[str]  # pages that carry forms posting elsewhere
    users: dict[str, int]


def _committee(session: Session, tender: Tender, now: datetime, *, declared: bool) -> None:
    """Three demo evaluators on the committee of an opened tender, declared or not."""
    officer = session.scalar(select(User).where(User.email == ACCOUNTS["inkoper"]))
    for n in (1, 2, 3):
        user = session.scalar(select(User).where(User.email == f"beoordelaar{n}@demo.example"))
        member = evaluation.add_member(
            session, tender=tender, user=user, is_chair=n == 1, actor=officer, now=now
        )
        if declared:
            answers = {
                b.kvk_number: evaluation.Answer(band=False)
                for b in evaluation.bidders(session, tender)
            }
            evaluation.sign_declaration(
                session, member=member, answers=answers, statement="Fuzz.", now=now
            )


def _approve(session: Session, tender: Tender, now: datetime, *, decide: bool) -> None:
    """The second inkoper approves the demo's advice; the decision recorded or not."""
    decision = session.scalar(select(AwardDecision).where(AwardDecision.tender_id == tender.id))
    assert decision is not None
    officer, second = (
        session.scalar(select(User).where(User.email == ROLES[role]))
        for role in ("inkoper", "tweede inkoper")
    )
    steps.review_advice(session, decision=decision, approve=True, reason="", actor=second, now=now)
    if decide:
        steps.record_decision(
            session, decision=decision, decided_on=to_local(now).date(),
            body="het college (fuzz)", mandate="namens de colleges (fuzz)", actor=officer, now=now,
        )  # fmt: skip


def build_world(app: Flask, now: datetime, phase: str) -> World:
    with app.app_context():
        session = db_session()
        evaluated = demo.build(
            session, criteria_path=None, bids=3, now=now, instance_path=app.instance_path,
            phase=PHASES[phase][0],
        ).tender  # fmt: skip
        if phase in ("declaring", "scoring"):
            _committee(session, evaluated, now, declared=phase == "scoring")
        if phase in ("approved", "decided"):
            _approve(session, evaluated, now, decide=phase == "decided")
        session.commit()
    moment = now
    clock.set_clock(lambda: moment)
    with app.app_context():
        session = db_session()
        evaluated = session.get(Tender, evaluated.id)
        users = {
            role: session.scalar(select(User).where(User.email == email))
            for role, email in ROLES.items()
        }
        provider = users["aanbieder"]
        published = make_published_tender(
            session, now=moment, path=THREE_LOTS, storage_dir=uploads_dir(app.instance_path)
        )
        concept = make_tender(session, now=moment, path=H4)
        bid = make_complete_bid(
            session,
            tender=published,
            provider=provider,
            now=moment,
            storage_dir=uploads_dir(app.instance_path),
        )
        bids.add_subcontractor(
            session, bid=bid, name="Hulp BV", kvk_number="87654321", activities="x",
            actor=provider, now=moment,
        )  # fmt: skip
        question = ask_question(session, published, asker=provider, now=moment)
        other_user = make_user(session, Role.EVALUATOR, now=moment)
        session.commit()
        evaluated_bid = session.scalars(
            select(Bid).where(Bid.tender_id == evaluated.id).order_by(Bid.blind_number)
        ).first()
        members = list(
            session.scalars(
                select(CommitteeMember)
                .where(CommitteeMember.tender_id == evaluated.id)
                .order_by(CommitteeMember.id)
            )
        )
        # The provider's own demo bid: its inzage dossier is offered once the letters are sent.
        own_bid = session.scalar(
            select(Bid).where(
                Bid.tender_id == evaluated.id, Bid.organisation_id == provider.organisation_id
            )
        )
        evaluator = users["beoordelaar"]
        spare_member = next(m for m in members if m.user_id != evaluator.id)
        # A copy held for review if there is one (whose bid that is, is drawn at random).
        copy = session.scalars(
            select(AttachmentCopy)
            .join(Bid, AttachmentCopy.bid_id == Bid.id)
            .where(Bid.tender_id == evaluated.id)
            .order_by(AttachmentCopy.status != attachments.HELD, AttachmentCopy.id)
        ).first()
        common = {
            "question_id": question.id,
            "user_id": other_user.id,
            "token": "onbekend",
            "request_id": MISSING,
            "member_id": spare_member.id,
            "copy_id": copy.id if copy else MISSING,
            "lot_code": evaluated.lots[0].code,
            "kind": "award_letters",
            "number": evaluated_bid.blind_number,
            "criterion_id": published.criteria[0].id,
            "partner_id": bid.network_partners[0].id,
            "subcontractor_id": bid.subcontractors[0].id,
        }
        urls = {}
        with app.test_request_context():
            for rule in app.url_map.iter_rules():
                if rule.endpoint == "static" or "POST" not in (rule.methods or ()):
                    continue
                if rule.endpoint in CONCEPT_ROUTES:
                    tender = concept
                elif rule.endpoint.startswith(PUBLISHED_PREFIXES):
                    tender = published
                else:
                    tender = evaluated
                values = {
                    **common,
                    "tender_id": tender.id,
                    "bid_id": bid.id if rule.endpoint.startswith("bids.") else evaluated_bid.id,
                }
                if rule.endpoint == "own_dossier.make_own":
                    values["bid_id"] = own_bid.id
                if rule.endpoint.startswith("organisations."):  # a member of its organisation
                    values["user_id"] = provider.id
                missing = set(rule.arguments) - set(values)
                assert not missing, f"{rule.endpoint}: no value for {missing}"
                urls[rule.endpoint] = url_for(
                    rule.endpoint, **{name: values[name] for name in rule.arguments}
                )
            first_number = evaluated_bid.blind_number
            hubs = [
                url_for("portal.home"),
                url_for("portal.provider_home"),
                url_for("accounts.my_account"),
                url_for("accounts.account_events"),
                url_for("admin.user_detail", user_id=other_user.id),
                url_for("bids.overview", bid_id=bid.id),
                url_for("organisations.show"),
                url_for("qa.manage", tender_id=published.id),
                *(
                    url_for(endpoint, tender_id=tender_id)
                    for tender_id in (concept.id, published.id, evaluated.id)
                    for endpoint in (
                        "tenders.show", "award.overview", "coverage.show", "dossier.overview"
                    )
                ),
                url_for("evaluation.opening", tender_id=evaluated.id),
                url_for("evaluation.committee_setup", tender_id=evaluated.id),
                url_for("evaluation.progress", tender_id=evaluated.id),
                url_for("attachments.review", tender_id=evaluated.id),
                url_for("committee.tender_home", tender_id=evaluated.id),
                url_for("committee.consensus", tender_id=evaluated.id, number=first_number),
            ]  # fmt: skip
        user_ids = {role: user.id for role, user in users.items()}
    ordered = sorted(urls, key=lambda e: (e in LAST, LAST.index(e) if e in LAST else 0, e))
    return World(urls={e: urls[e] for e in ordered}, hubs=hubs, users=user_ids)


def _client_for(app: Flask, role: str, users: dict[str, int]):  # type: ignore[no-untyped-def]
    client = app.test_client()
    if role != ANON:
        with app.app_context():
            login(client, db_session().get(User, users[role]))
    return client


def collect_forms(app: Flask, world: World) -> dict[str, FormFields]:
    found: dict[str, FormFields] = {}
    for role in [ANON, *ROLES]:
        client = _client_for(app, role, world.users)
        for url in [*world.hubs, *world.urls.values()]:
            response = client.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                harvest(response.get_data(as_text=True), url, found)
    return found


def _refused(status: int, location: str) -> bool:
    return status in (401, 403, 405) or (status == 302 and "/inloggen" in location)


def fuzz_route(
    post: Callable[[dict[str, Any]], tuple[int, str]],
    fields: FormFields,
    examples: int,
    failures: list[str],
    label: str,
) -> list[int]:
    statuses: list[int] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(payload=payloads(fields))
    def run(payload: dict[str, Any]) -> None:
        status, error = post(form_data(payload, fields.files))
        statuses.append(status)
        if status >= 500:
            shown = {k: (v[:80] + f"...({len(v)})" if isinstance(v, str) and len(v) > 80 else v)
                     for k, v in payload.items()}  # fmt: skip
            failures.append(f"{label}: {status} {error} with {shown!r}")

    run()
    return statuses


@pytest.mark.parametrize("phase", list(PHASES))
def test_no_form_answers_500_for_any_input(app: Flask, now: datetime, phase: str) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    world = build_world(app, now, phase)
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and "POST" in (rule.methods or ())
    }
    assert set(world.urls) == routes, "POST routes without a fuzzed URL"
    forms = collect_forms(app, world)
    # Every POST route is accounted for: shown in every phase, in some phase, or not shown.
    shown_somewhere = set().union(*(forms for _demo, forms in PHASES.values()))
    assert routes == EVERY_PHASE | shown_somewhere | set(NOT_SHOWN), sorted(
        routes ^ (EVERY_PHASE | shown_somewhere | set(NOT_SHOWN))
    )
    # The pages of this phase offer the forms it should (their fields are fuzzed).
    found = {e for e, url in world.urls.items() if url in forms}
    assert EVERY_PHASE | PHASES[phase][1] <= found, sorted(EVERY_PHASE | PHASES[phase][1] - found)

    errors: list[str] = []

    def record(_sender: Flask, exception: Exception, **_extra: Any) -> None:
        errors.append(f"{type(exception).__name__}: {str(exception)[:200]}")

    got_request_exception.connect(record, app)
    failures: list[str] = []
    allowed_somewhere: set[str] = set()
    for endpoint, url in world.urls.items():
        fields = forms.get(url, FormFields())
        for role in [ANON, *ROLES]:
            client = _client_for(app, role, world.users)

            refused_by_role = [True]

            def post(  # type: ignore[no-untyped-def]
                data: dict[str, Any], client=client, url=url, refused_by_role=refused_by_role
            ) -> tuple[int, str]:
                errors.clear()
                response = client.post(url, data=data, content_type="multipart/form-data")
                location = response.headers.get("Location", "")
                refused_by_role[0] = _refused(response.status_code, location)
                return response.status_code, "; ".join(errors)

            label = f"{role} POST {endpoint} {url}"
            fuzz_route(post, fields, EXAMPLES_REFUSED, failures, label)
            if not refused_by_role[0]:
                allowed_somewhere.add(endpoint)
                fuzz_route(post, fields, EXAMPLES_ALLOWED, failures, label)
                # And once for certain: a NUL in every field at once (PostgreSQL
                # refuses to store it, so a field that is not checked answers 500).
                status, error = post({name: "a\x00b" for name in fields.values})
                if status >= 500:
                    failures.append(f"{label}: {status} {error} with a NUL in every field")
    got_request_exception.disconnect(record, app)
    assert failures == [], "\n".join(failures)
    # Most routes were posted by a role that may post them (the others are refused
    # before their form is read, e.g. a blind number the member may not score).
    assert len(allowed_somewhere) >= len(routes) * 2 // 3, sorted(routes - allowed_somewhere)
