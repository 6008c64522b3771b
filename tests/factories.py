"""Test data built through the same service functions the app uses."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tender.accounts import service as accounts
from tender.accounts.models import Role, User
from tender.criteria import load_criteria
from tender.tenders import dates
from tender.tenders import service as tenders
from tender.tenders.models import Tender

ROOT = Path(__file__).resolve().parent.parent
LEKSTROOM = ROOT / "criteria" / "lekstroom-2022.toml"
PASSWORD = "correct-horse-battery"

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_user(session: Session, role: Role, *, now: datetime, email: str | None = None) -> User:
    n = _next()
    if role == Role.PROVIDER:
        return accounts.register_provider(
            session,
            organisation_fields={
                "name": f"Zorgaanbieder {n}",
                "kvk_number": f"{10_000_000 + n:08d}",
                "street_address": f"Dorpsstraat {n}",
                "postcode": "3995 AA",
                "city": "Houten",
                "contact_person": f"Contact {n}",
                "email": email or f"aanbieder{n}@example.org",
                "phone": "",
                "website": f"https://aanbieder{n}.example.org",
            },
            email=email or f"aanbieder{n}@example.org",
            name=f"Contact {n}",
            password=PASSWORD,
            now=now,
        )
    return accounts.create_user(
        session,
        email=email or f"{role.value}{n}@example.org",
        name=f"{role.value.title()} {n}",
        role=role,
        password=PASSWORD,
        actor=None,
        now=now,
    )


def make_tender(
    session: Session, *, now: datetime, path: Path = LEKSTROOM, actor: User | None = None
) -> Tender:
    return tenders.create_tender(
        session,
        spec=load_criteria(path),
        source_text=path.read_text(encoding="utf-8"),
        filename=path.name,
        actor=actor,
        now=now,
    )


def schedule(session: Session, tender: Tender, *, now: datetime, actor: User | None = None) -> None:
    tenders.set_schedule(
        session,
        tender=tender,
        question_deadline=now + timedelta(days=10),
        submission_deadline=now + timedelta(days=20),
        planned_opening=now + timedelta(days=20, hours=2),
        tenderned_reference="TN-123456",
        actor=actor,
        now=now,
    )
    # The example files start in 2022: move the start to the same day in the first year
    # that leaves room for the standstill, as publication requires.
    move_contract_start(session, tender, now=now, actor=actor)


def move_contract_start(
    session: Session, tender: Tender, *, now: datetime, actor: User | None = None
) -> None:
    """Give a concept tender a contract start that works with its submission deadline."""
    assert tender.submission_deadline is not None
    tenders.set_contract_start(
        session,
        tender=tender,
        start_date=dates.workable_start(
            tender.contract_terms.start_date,
            submission_deadline=tender.submission_deadline,
            standstill_days=tender.standstill_days,
        ),
        actor=actor,
        now=now,
    )


# In the environment, not a module variable: some tests import this module twice
# (as ``factories`` and as ``tests.factories``).
_DOCUMENTS_DIR = "TENDER_TEST_DOCUMENTS_DIR"


def use_documents_dir(path: Path) -> None:
    """Where tenders published by the factories store their tender documents.

    The ``app`` fixture points it at the test app's own documents folder, so that
    the app can serve what the factories published.
    """
    os.environ[_DOCUMENTS_DIR] = str(path)


def documents_storage() -> Path:
    """The folder set by ``use_documents_dir``, or else a new temporary one."""
    if not os.environ.get(_DOCUMENTS_DIR):
        use_documents_dir(Path(tempfile.mkdtemp(prefix="tender-test-documents-")))
    return Path(os.environ[_DOCUMENTS_DIR])


def make_published_tender(
    session: Session,
    *,
    now: datetime,
    path: Path = LEKSTROOM,
    storage_dir: Path | None = None,
) -> Tender:
    tender = make_tender(session, now=now, path=path)
    schedule(session, tender, now=now)
    tenders.publish(
        session,
        tender=tender,
        actor=None,
        now=now,
        storage_dir=storage_dir or documents_storage(),
    )
    return tender


def login(client: FlaskClient, user: User) -> None:
    """Log in by session cookie, as Flask-Login would after a successful login."""
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True


def pdf_bytes(text: str = "Bijlage") -> bytes:
    """A real, small PDF document."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def make_complete_bid(
    session: Session,
    *,
    tender: Tender,
    provider: User,
    now: datetime,
    storage_dir: Path,
    plan_text: str = "Wij bieden begeleiding dicht bij huis, samen met het voorliggend veld.",
):  # type: ignore[no-untyped-def]
    """A bid with every section filled in, through the bid services (not submitted)."""
    from tender.bids import service as bids

    bid = bids.start_bid(
        session, tender=tender, organisation=provider.organisation, actor=provider, now=now
    )
    lot = tender.lots[0]
    bids.set_lots(session, bid=bid, lots=[lot], actor=provider, now=now)
    for requirement in tender.requirements:
        evidence = None
        if requirement.evidence != "none":
            evidence = bids.add_attachment(
                session,
                bid=bid,
                filename=f"bewijs-{requirement.code}.pdf",
                content=pdf_bytes(requirement.code),
                storage_dir=storage_dir,
                max_bytes=10 * 1024 * 1024,
                actor=provider,
                now=now,
            )
        bids.declare_requirement(
            session,
            bid=bid,
            requirement=requirement,
            complies=True,
            evidence=evidence,
            actor=provider,
            now=now,
        )
    cells = {(m.id, g.id) for m in lot.municipalities[:2] for g in lot.target_groups}
    bids.set_coverage(session, bid=bid, lot=lot, cells=cells, actor=provider, now=now)
    for municipality in lot.municipalities[:2]:
        bids.add_network_partner(
            session,
            bid=bid,
            municipality=municipality,
            name=f"Welzijn {municipality.name}",
            kind="welzijn",
            cooperation="Warme overdracht bij afschalen.",
            actor=provider,
            now=now,
        )
    for criterion in tender.criteria:
        bids.save_plan(
            session,
            bid=bid,
            criterion=criterion,
            text=f"{criterion.code}: {plan_text}",
            attachment=None,
            actor=provider,
            now=now,
        )
    return bid


def ask_question(
    session: Session,
    tender: Tender,
    *,
    asker: User,
    now: datetime,
    text: str = "Mag een onderaannemer de begeleiding in Lopik uitvoeren?",
    section: str = "Algemeen",
):  # type: ignore[no-untyped-def]
    """A provider's question, through the Q&A service."""
    from tender.qa import service as qa

    return qa.ask_question(session, tender=tender, actor=asker, section=section, text=text, now=now)


def publish_qa_round(
    session: Session,
    tender: Tender,
    *,
    question,  # type: ignore[no-untyped-def]
    officer: User,
    now: datetime,
    storage_dir: Path,
    answer: str = "Ja, mits de onderaannemer is opgegeven in de inschrijving.",
):  # type: ignore[no-untyped-def]
    """Answer ``question`` and publish it as the next nota van inlichtingen."""
    from tender.qa import service as qa

    qa.answer_question(session, question=question, answer=answer, actor=officer, now=now)
    return qa.publish_round(session, tender=tender, actor=officer, now=now, storage_dir=storage_dir)


def make_opened_tender(  # type: ignore[no-untyped-def]
    session: Session, *, now: datetime, bids: int, instance_path: str, path: Path = LEKSTROOM
):
    """A tender with ``bids`` submitted bids, opened by two officers after the deadline.

    Returns (tender, providers, officers, opened_at).
    """
    from tender.bids import service as bid_service
    from tender.bids.uploads import uploads_dir

    tender = make_published_tender(session, now=now, path=path)
    providers = [make_user(session, Role.PROVIDER, now=now) for _ in range(bids)]
    for provider in providers:
        bid = make_complete_bid(
            session,
            tender=tender,
            provider=provider,
            now=now,
            storage_dir=uploads_dir(instance_path),
            plan_text=(
                f"Bij {provider.organisation.name} werken wij met het voorliggend veld "
                f"(zie {provider.organisation.website})."
            ),
        )
        bid_service.submit(session, bid=bid, actor=provider, now=now)
    officers, opened_at = open_bids(session, tender, now=now, instance_path=instance_path)
    return tender, providers, officers, opened_at


def open_bids(session: Session, tender: Tender, *, now: datetime, instance_path: str):  # type: ignore[no-untyped-def]
    """Two officers (made at ``now``) open the bids an hour after the deadline:
    (officers, opened_at)."""
    from tender.bids.uploads import uploads_dir
    from tender.documents.service import documents_dir
    from tender.evaluation import service as evaluation

    officers = [make_user(session, Role.PROCUREMENT_OFFICER, now=now) for _ in range(2)]
    opened_at = tender.submission_deadline + timedelta(hours=1)
    tenders.close_if_due(session, tender=tender, now=opened_at)
    evaluation.start_opening(session, tender=tender, actor=officers[0], now=opened_at)
    evaluation.confirm_opening(
        session,
        tender=tender,
        actor=officers[1],
        now=opened_at,
        storage_dir=documents_dir(instance_path),
        uploads_dir=uploads_dir(instance_path),
    )
    return officers, opened_at


def attach_plan(  # type: ignore[no-untyped-def]
    session: Session,
    *,
    bid,
    criterion,
    content: bytes,
    actor: User,
    storage_dir: Path,
    now: datetime,
):
    """The bid's plan for ``criterion`` refers to an attached PDF with ``content``."""
    from tender.bids import service as bid_service

    attachment = bid_service.add_attachment(
        session,
        bid=bid,
        filename="plan.pdf",
        content=content,
        storage_dir=storage_dir,
        max_bytes=10 * 1024 * 1024,
        actor=actor,
        now=now,
    )
    bid_service.save_plan(
        session,
        bid=bid,
        criterion=criterion,
        text="Ons plan, zie de bijlage.",
        attachment=attachment,
        actor=actor,
        now=now,
    )
    return attachment


def make_committee(
    session: Session, *, tender: Tender, officer: User, now: datetime, size: int = 3
):  # type: ignore[no-untyped-def]
    """``size`` evaluators, the first one chair, none with a declaration yet."""
    from tender.evaluation import service as evaluation

    return [
        evaluation.add_member(
            session,
            tender=tender,
            user=make_user(session, Role.EVALUATOR, now=now),
            is_chair=index == 0,
            actor=officer,
            now=now,
        )
        for index in range(size)
    ]


def sign_declaration(  # type: ignore[no-untyped-def]
    session: Session, *, member, now: datetime, bands: dict[str, str] | None = None
):
    """Sign ``member``'s declaration: a band with the KvK numbers in ``bands`` (with its
    explanation), none with every other bidding organisation."""
    from tender.evaluation import service as evaluation

    bands = bands or {}
    answers = {
        b.kvk_number: evaluation.Answer(b.kvk_number in bands, bands.get(b.kvk_number, ""))
        for b in evaluation.bidders(session, member.tender)
    }
    return evaluation.sign_declaration(
        session, member=member, answers=answers, statement="", now=now
    )


TIED_MOTIVATION = "Gelijkwaardig plan: concreet, onderbouwd en passend bij de aandachtspunten."


def make_tied_ranked_tender(session: Session, *, now: datetime, instance_path: str):  # type: ignore[no-untyped-def]
    """Five bids on ranked lot HERSTEL (4 places), checked and with identical consensus.

    Returns (tender, officer, bids, moment after the evaluation).
    """
    from tender.evaluation import service as evaluation

    tender, _providers, officers, opened_at = make_opened_tender(
        session,
        now=now,
        bids=5,
        instance_path=instance_path,
        path=ROOT / "tests" / "criteria" / "files" / "three-lots-ranked.toml",
    )
    members = make_committee(session, tender=tender, officer=officers[0], now=opened_at)
    when = opened_at + timedelta(hours=1)
    for member in members:
        sign_declaration(session, member=member, now=when)
    bids = evaluation.received_bids(session, tender)
    for bid in bids:
        for requirement in tender.requirements:
            evaluation.record_requirement_check(
                session, bid=bid, requirement=requirement, complies=True, reason="",
                actor=officers[0], now=when,
            )  # fmt: skip
        for criterion in tender.criteria:
            evaluation.record_consensus(
                session, member=members[0], bid=bid, criterion=criterion, score=4,
                motivation=TIED_MOTIVATION, expected_version=None, minimum_motivation=50,
                excluded=set(), is_open=True, now=when,
            )  # fmt: skip
    return tender, officers[0], bids, when
