"""Opening, requirement checks, committee, conflict declarations, scores, consensus.

The rules of DOMAIN.md sections 4-7: opening needs two different procurement
officers; no evaluator sees a bid before signing the declaration, nor a bid of
an organisation it declared a conflict with; individual scores stay private
until the consensus phase of a bid; the consensus score is the only one that
counts, and two edits from the same version cannot silently overwrite each other.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from tender import audit
from tender.accounts import roles
from tender.accounts.models import Organisation, Role, User
from tender.bids import submitted, verification
from tender.bids.models import Bid, BidStatus, blind_code
from tender.bids.submitted import SubmittedBid, SubmittedFile
from tender.documents import service as documents
from tender.documents.opening_record import (
    OpenedBid,
    OpeningRecordData,
    ReceiptCheck,
    build_opening_record,
)
from tender.errors import DomainError
from tender.evaluation import attachments
from tender.evaluation.models import (
    CommitteeMember,
    ConflictAnswer,
    ConflictDeclaration,
    ConsensusScore,
    RequirementCheck,
    Score,
)
from tender.tenders import lifecycle
from tender.tenders.models import Criterion, Requirement, Tender, TenderState

SCORING_STATES = (TenderState.OPENED,)
READING_STATES = (
    TenderState.OPENED,
    TenderState.EVALUATED,
    TenderState.PROVISIONALLY_AWARDED,
    TenderState.AWARDED,
)


class EvaluationError(DomainError):
    pass


class ConcurrentEdit(EvaluationError):
    pass


class ScoreFrozen(EvaluationError):
    """An individual score for a (bid, criterion) whose consensus is recorded."""


def _record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    tender: Tender,
    now: datetime,
    object_type: str = "tender",
    object_id: int | None = None,
    **details: Any,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=tender.id if object_id is None else object_id,
        tender_id=tender.id,
        now=now,
        details=details,
    )


# -- opening -------------------------------------------------------------------------


def received_bids(session: Session, tender: Tender, *, with_submissions: bool = True) -> list[Bid]:
    """Bids that were submitted and not withdrawn, in a stable order; ``with_submissions``
    loads their received versions too (the canonical forms: large at hundreds of bids)."""
    query = (
        select(Bid)
        .where(Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED)
        .order_by(Bid.id)
    )
    if with_submissions:
        query = query.options(selectinload(Bid.submissions))
    return list(session.scalars(query))


def received_count(session: Session, tender: Tender) -> int:
    """How many bids ``received_bids`` holds, counted in SQL."""
    return (
        session.scalar(
            select(func.count(Bid.id)).where(
                Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED
            )
        )
        or 0
    )


def withdrawn_bids(session: Session, tender: Tender) -> list[Bid]:
    return list(
        session.scalars(
            select(Bid)
            .where(Bid.tender_id == tender.id, Bid.status == BidStatus.WITHDRAWN)
            .order_by(Bid.id)
        )
    )


def start_opening(session: Session, *, tender: Tender, actor: User, now: datetime) -> None:
    """The first of two procurement officers starts the opening (four-eyes)."""
    if tender.state != TenderState.CLOSED:
        raise EvaluationError(
            "Openen kan pas als de uiterste inschrijfdatum is verstreken en de aanbesteding "
            f"gesloten is (status nu: {tender.state})."
        )
    if tender.opening_started_at is not None:
        raise EvaluationError("De opening is al gestart; een tweede inkoper moet bevestigen.")
    tender.opening_started_at = now
    tender.opening_started_by_id = actor.id
    session.flush()
    _record(session, actor=actor, action="tender.opening_started", tender=tender, now=now)


def confirm_opening(
    session: Session,
    *,
    tender: Tender,
    actor: User,
    now: datetime,
    storage_dir: Path,
    uploads_dir: Path,
) -> list[Bid]:
    """A second, different procurement officer confirms: the bids become readable.

    Before anything changes, every received submission and file is hashed again and
    compared with its receipt; a difference stops the opening (``ReceiptMismatch``,
    after recording the failed check, which the caller commits). Every received bid
    gets its blind code, drawn at random from a sparse range so that codes reveal
    neither the order of submission nor, by a gap, a bid kept from a member. The
    record of opening is written and stored.
    """
    if tender.state != TenderState.CLOSED or tender.opening_started_at is None:
        raise EvaluationError("Er is geen opening gestart om te bevestigen.")
    if tender.opening_started_by_id == actor.id:
        raise EvaluationError(
            "De opening moet door een tweede inkoper worden bevestigd (vier-ogenprincipe)."
        )
    if problem := roles.four_eyes_problem(
        session, first_id=tender.opening_started_by_id, second=actor
    ):
        raise EvaluationError(f"U kunt deze opening niet bevestigen. {problem}")
    check = verification.verify_received(
        session, tender=tender, uploads_dir=uploads_dir, actor=actor, now=now
    )
    if not check.ok:
        raise verification.ReceiptMismatch(verification.refusal(check))
    bids = received_bids(session, tender)
    numbers = draw_blind_numbers(len(bids))
    for bid, number in zip(bids, numbers, strict=True):
        bid.blind_number = number
    lifecycle.transition(session, tender, TenderState.OPENED, actor=actor, now=now)
    tender.opened_at = now
    tender.opened_by_id = actor.id
    session.flush()
    _record(
        session,
        actor=actor,
        action="tender.opened",
        tender=tender,
        now=now,
        gestart_door=tender.opening_started_by_id,
        inschrijvingen=len(bids),
        digests={str(b.id): b.digest for b in bids},
        controle=check.summary(),
    )
    attachments.prepare_copies(
        session, tender=tender, bids=bids, uploads_dir=uploads_dir, actor=actor, now=now
    )
    documents.store_document(
        session,
        storage_dir=storage_dir,
        tender_id=tender.id,
        kind=documents.OPENING_RECORD,
        filename=f"proces-verbaal-opening-{tender.reference}.pdf",
        build=lambda: build_opening_record(
            opening_record_data(
                session, tender, receipt_check=verification.receipt_check(session, tender, check)
            )
        ),
        now=now,
        actor_id=actor.id,
    )
    return bids


def blind_number_range(count: int) -> int:
    """The highest blind number an opening of ``count`` bids may draw.

    At least ten times the number of bids, rounded up to all nines (99, 999, ...): a
    member kept away from one bid sees the others' codes scattered over a wide range,
    so the missing code cannot be read off a gap in 1..n.
    """
    upper = 99
    while upper < 10 * count:
        upper = upper * 10 + 9
    return upper


def draw_blind_numbers(count: int) -> list[int]:
    """Distinct blind numbers for ``count`` bids, drawn at random from a sparse range."""
    return secrets.SystemRandom().sample(range(1, blind_number_range(count) + 1), count)


def opening_record_data(
    session: Session, tender: Tender, *, receipt_check: ReceiptCheck
) -> OpeningRecordData:
    """What the record of opening states: every bid received and withdrawn, who opened."""

    def opened(bid: Bid, version: SubmittedBid | None) -> OpenedBid:
        return OpenedBid(
            blind_code=bid.blind_code,
            organisation_name=version.organisation.name if version else bid.organisation.name,
            kvk_number=version.organisation.kvk_number if version else bid.organisation.kvk_number,
            received_at=version.received_at if version else None,
            digest=version.digest if version else None,
            submissions=len(bid.submissions),
        )

    def last_withdrawn(bid: Bid) -> SubmittedBid | None:
        return submitted.version_of(bid, bid.submissions[-1]) if bid.submissions else None

    received = sorted(received_bids(session, tender), key=lambda b: b.blind_number or 0)
    starter = session.get(User, tender.opening_started_by_id)
    confirmer = session.get(User, tender.opened_by_id)
    assert starter is not None and confirmer is not None
    assert tender.submission_deadline and tender.opening_started_at and tender.opened_at
    return OpeningRecordData(
        tender_reference=tender.reference,
        tender_title=tender.title,
        contracting_authority=tender.contracting_authority,
        region=tender.region,
        submission_deadline=tender.submission_deadline,
        opening_started_at=tender.opening_started_at,
        opening_started_by=f"{starter.name} ({starter.email})",
        opened_at=tender.opened_at,
        opened_by=f"{confirmer.name} ({confirmer.email})",
        bids=tuple(opened(b, submitted.submitted_version(b)) for b in received),
        withdrawn=tuple(opened(b, last_withdrawn(b)) for b in withdrawn_bids(session, tender)),
        receipt_check=receipt_check,
    )


# -- requirement checks ----------------------------------------------------------------


def record_requirement_check(
    session: Session,
    *,
    bid: Bid,
    requirement: Requirement,
    complies: bool,
    reason: str,
    actor: User,
    now: datetime,
) -> RequirementCheck:
    """The inkoper's verdict on one requirement; a failure needs a reason (for the letter)."""
    if bid.tender.state not in SCORING_STATES:
        raise EvaluationError(
            "Eisen kunnen alleen worden getoetst na de opening en vóór de gunning."
        )
    if requirement.tender_id != bid.tender_id or bid.status != BidStatus.SUBMITTED:
        raise EvaluationError("Deze eis of inschrijving hoort niet bij deze aanbesteding.")
    reason = reason.strip()
    if not complies and len(reason) < 10:
        raise EvaluationError(
            f"Geef bij eis {requirement.code} de reden waarom niet wordt voldaan "
            "(minstens 10 tekens); die komt in de gunningsbeslissing."
        )
    check = session.scalar(
        select(RequirementCheck).where(
            RequirementCheck.bid_id == bid.id, RequirementCheck.requirement_id == requirement.id
        )
    )
    if check is None:
        check = RequirementCheck(bid=bid, requirement=requirement)
        session.add(check)
    check.complies = complies
    check.reason = reason
    check.checked_by_id = actor.id
    check.checked_at = now
    session.flush()
    _record(
        session,
        actor=actor,
        action="bid.requirement_check",
        tender=bid.tender,
        object_type="bid",
        object_id=bid.id,
        now=now,
        eis=requirement.code,
        voldoet=complies,
        reden=reason,
    )
    return check


def requirement_checks(session: Session, tender: Tender) -> dict[tuple[int, int], RequirementCheck]:
    """(bid id, requirement id) -> check, for the whole tender in one query."""
    checks = session.scalars(
        select(RequirementCheck).join(RequirementCheck.bid).where(Bid.tender_id == tender.id)
    )
    return {(c.bid_id, c.requirement_id): c for c in checks}


def check_verdicts(session: Session, tender: Tender) -> dict[tuple[int, int], bool]:
    """(bid id, requirement id) -> complies, for the whole tender in one column query."""
    return {
        (bid_id, requirement_id): complies
        for bid_id, requirement_id, complies in session.execute(
            select(
                RequirementCheck.bid_id, RequirementCheck.requirement_id, RequirementCheck.complies
            )
            .join(RequirementCheck.bid)
            .where(Bid.tender_id == tender.id)
        )
    }


def excluded_bid_ids(session: Session, tender: Tender) -> set[int]:
    """Bids that fail at least one requirement: they are not scored."""
    return set(
        session.scalars(
            select(RequirementCheck.bid_id)
            .join(RequirementCheck.bid)
            .where(Bid.tender_id == tender.id, RequirementCheck.complies.is_(False))
            .distinct()
        )
    )


# -- committee and conflict declarations -------------------------------------------------


def committee(
    session: Session, tender: Tender, *, with_removed: bool = False
) -> list[CommitteeMember]:
    """The committee's members; ``with_removed`` adds those taken off it (for the record)."""
    query = select(CommitteeMember).where(CommitteeMember.tender_id == tender.id)
    if not with_removed:
        query = query.where(CommitteeMember.removed_at.is_(None))
    return list(
        session.scalars(
            query.options(
                selectinload(CommitteeMember.user),
                selectinload(CommitteeMember.declaration)
                .selectinload(ConflictDeclaration.answers)
                .selectinload(ConflictAnswer.organisation),
            ).order_by(CommitteeMember.id)
        )
    )


def members_with_declarations(session: Session, tender: Tender) -> list[CommitteeMember]:
    """The current members with their users and declarations (not the answers), in one
    statement; ``conflict_pairs`` says where each has a band."""
    return list(
        session.scalars(
            select(CommitteeMember)
            .where(CommitteeMember.tender_id == tender.id, CommitteeMember.removed_at.is_(None))
            .options(joinedload(CommitteeMember.user), joinedload(CommitteeMember.declaration))
            .order_by(CommitteeMember.id)
        )
    )


def conflict_pairs(session: Session, tender: Tender) -> set[tuple[int, int]]:
    """(member id, organisation id) of every band a member of the tender has."""
    return {
        (member_id, organisation_id)
        for member_id, organisation_id in session.execute(
            select(ConflictDeclaration.member_id, ConflictAnswer.organisation_id)
            .join(ConflictAnswer.declaration)
            .join(ConflictDeclaration.member)
            .where(CommitteeMember.tender_id == tender.id, ConflictAnswer.band.is_(True))
        )
    }


def scorers(session: Session, tender: Tender) -> list[CommitteeMember]:
    """The current members with their users, declarations and answers with a band, in two
    statements: what ``evaluators_for`` and the blind pages need (not the answer per bidder,
    no organisations, no removed members)."""
    return list(
        session.scalars(
            select(CommitteeMember)
            .where(CommitteeMember.tender_id == tender.id, CommitteeMember.removed_at.is_(None))
            .options(
                joinedload(CommitteeMember.user),
                joinedload(CommitteeMember.declaration).selectinload(
                    ConflictDeclaration.band_answers
                ),
            )
            .order_by(CommitteeMember.id)
        ).unique()
    )


def membership(session: Session, tender: Tender, user: User) -> CommitteeMember | None:
    """The user's current membership of the tender's committee, if any."""
    return session.scalar(
        select(CommitteeMember).where(
            CommitteeMember.tender_id == tender.id,
            CommitteeMember.user_id == user.id,
            CommitteeMember.removed_at.is_(None),
        )
    )


def _ensure_committee_editable(tender: Tender) -> None:
    if tender.state not in (
        TenderState.CONCEPT,
        TenderState.PUBLISHED,
        TenderState.CLOSED,
        TenderState.OPENED,
    ):
        raise EvaluationError("De commissie kan na de beoordeling niet meer worden gewijzigd.")


def add_member(
    session: Session, *, tender: Tender, user: User, is_chair: bool, actor: User, now: datetime
) -> CommitteeMember:
    _ensure_committee_editable(tender)
    if user.role != Role.EVALUATOR or not user.active:
        raise EvaluationError("Alleen actieve beoordelaars kunnen lid van de commissie worden.")
    if membership(session, tender, user) is not None:
        raise EvaluationError(f"{user.name} is al lid van de commissie.")
    member = session.scalar(
        select(CommitteeMember).where(
            CommitteeMember.tender_id == tender.id, CommitteeMember.user_id == user.id
        )
    )
    again = member is not None
    if member is None:
        member = CommitteeMember(tender=tender, user=user, is_chair=False, added_at=now)
        session.add(member)
    else:
        # Back on the committee: the earlier declaration still binds, the scores set
        # aside at the removal stay aside.
        member.removed_at, member.removed_reason, member.removed_by_id = None, "", None
        member.added_at = now
    session.flush()
    _record(
        session,
        actor=actor,
        action="committee.add",
        tender=tender,
        now=now,
        lid=user.email,
        **({"opnieuw": True} if again else {}),
    )
    if is_chair:
        set_chair(session, tender=tender, member=member, actor=actor, now=now)
    return member


def set_chair(
    session: Session, *, tender: Tender, member: CommitteeMember, actor: User, now: datetime
) -> None:
    """Make ``member`` the one chair of the committee."""
    _ensure_committee_editable(tender)
    for other in committee(session, tender):
        other.is_chair = other.id == member.id
    session.flush()
    _record(
        session,
        actor=actor,
        action="committee.chair",
        tender=tender,
        now=now,
        voorzitter=member.user.email,
    )


def remove_member(
    session: Session,
    *,
    tender: Tender,
    member: CommitteeMember,
    reason: str = "",
    actor: User,
    now: datetime,
) -> None:
    """Take a member off the committee; scores it gave are set aside (kept) with a reason.

    The member's row and declaration stay, marked as removed, for the award report.
    """
    _ensure_committee_editable(tender)
    scored = session.scalar(
        select(Score.id)
        .join(Score.bid)
        .where(
            Bid.tender_id == tender.id,
            Score.evaluator_id == member.user_id,
            Score.set_aside_at.is_(None),
        )
    )
    reason = reason.strip()
    if scored is not None and len(reason) < MINIMUM_EXPLANATION:
        raise EvaluationError(
            f"{member.user.name} heeft al scores gegeven. Geef een reden (minstens "
            f"{MINIMUM_EXPLANATION} tekens): de scores worden dan terzijde gelegd, niet gewist."
        )
    count = _set_aside_scores(
        session,
        tender=tender,
        user_id=member.user_id,
        bid_id=None,
        reason=f"uit de commissie verwijderd: {reason}",
        now=now,
    )
    member.removed_at, member.removed_reason, member.removed_by_id = now, reason, actor.id
    member.is_chair = False
    session.flush()
    _record(
        session,
        actor=actor,
        action="committee.remove",
        tender=tender,
        now=now,
        lid=member.user.email,
        reden=reason,
        scores_terzijde=count,
    )


def committee_problems(members: Sequence[CommitteeMember], minimum: int) -> list[str]:
    """Why the committee cannot start scoring yet (Dutch), or nothing."""
    problems = []
    if len(members) < minimum:
        problems.append(f"De commissie heeft minstens {minimum} leden nodig (nu {len(members)}).")
    if sum(1 for m in members if m.is_chair) != 1:
        problems.append("Wijs één voorzitter aan.")
    return problems


EARLIER_EXPLANATION = "(vóór deze versie opgegeven)"
MINIMUM_EXPLANATION = 10


@dataclass(frozen=True)
class Bidder:
    """A bidding organisation as it submitted (name and KvK number), never its blind code."""

    organisation_id: int
    name: str
    kvk_number: str

    @property
    def label(self) -> str:
        return f"{self.name} (KvK {self.kvk_number})"


@dataclass(frozen=True)
class Answer:
    """One answer of the declaration: a band (with its explanation) or none."""

    band: bool
    explanation: str = ""


def bidders(session: Session, tender: Tender) -> list[Bidder]:
    """The organisations that bid, as submitted, alphabetical; none before the opening."""
    if tender.state not in READING_STATES:
        return []
    found = {
        v.organisation_id: Bidder(v.organisation_id, v.organisation.name, v.organisation.kvk_number)
        for v in submitted.received_versions(session, tender)
    }
    return sorted(found.values(), key=lambda b: (b.name.casefold(), b.kvk_number))


def _bidder(session: Session, tender: Tender, kvk_number: str) -> Bidder:
    for bidder in bidders(session, tender):
        if bidder.kvk_number == kvk_number:
            return bidder
    raise EvaluationError(
        f"KvK-nummer {kvk_number} hoort niet bij een inschrijver van deze aanbesteding."
    )


def explanation_problem(bidder: Bidder, explanation: str) -> str | None:
    """Why this explanation of a band is not enough (Dutch), or None."""
    if len(explanation.strip()) < MINIMUM_EXPLANATION:
        return (
            f"Licht uw band met {bidder.name} toe (minstens {MINIMUM_EXPLANATION} tekens): "
            "bijvoorbeeld een huidige of vorige werkgever, toezicht of een naaste die er werkt."
        )
    return None


def answer_problems(listed: Sequence[Bidder], answers: Mapping[str, Answer]) -> dict[str, str]:
    """Per KvK number, why the answer for that organisation cannot be signed (Dutch).

    Every listed organisation needs an answer, a band needs an explanation, and a KvK
    number that belongs to no bidder is refused, never dropped.
    """
    known = {b.kvk_number for b in listed}
    problems = {
        kvk: f"KvK-nummer {kvk} hoort niet bij een inschrijver van deze aanbesteding."
        for kvk in sorted(set(answers) - known)
    }
    for bidder in listed:
        answer = answers.get(bidder.kvk_number)
        if answer is None:
            problems[bidder.kvk_number] = f"Kies voor {bidder.name}: geen band of band."
        elif answer.band and (problem := explanation_problem(bidder, answer.explanation)):
            problems[bidder.kvk_number] = problem
    return problems


def sign_declaration(
    session: Session,
    *,
    member: CommitteeMember,
    answers: Mapping[str, Answer],
    statement: str,
    now: datetime,
) -> ConflictDeclaration:
    """Sign the conflict-of-interest declaration (art. 1.10b); once, after the opening.

    ``answers`` holds one answer per bidding organisation, by KvK number as submitted.
    The names are sealed until the opening, so there is nothing to declare before it.
    """
    tender = member.tender
    if member.declaration is not None:
        raise EvaluationError("U heeft de verklaring voor deze aanbesteding al ondertekend.")
    if tender.state not in READING_STATES:
        raise EvaluationError(
            "De verklaring kan pas na de opening: dan ziet u welke organisaties hebben "
            "ingeschreven."
        )
    listed = bidders(session, tender)
    if problems := answer_problems(listed, answers):
        raise EvaluationError(" ".join(problems.values()))
    declaration = ConflictDeclaration(
        member=member,
        signed_at=now,
        statement=statement.strip(),
        answers=[
            ConflictAnswer(
                organisation_id=b.organisation_id,
                band=answers[b.kvk_number].band,
                explanation=answers[b.kvk_number].explanation.strip()
                if answers[b.kvk_number].band
                else "",
                declared_at=now,
                declared_later=False,
            )
            for b in listed
        ],
    )
    session.add(declaration)
    session.flush()
    _record(
        session,
        actor=member.user,
        action="committee.declaration",
        tender=tender,
        now=now,
        inschrijvers=len(listed),
        band_met=[b.kvk_number for b in listed if answers[b.kvk_number].band],
    )
    return declaration


def _answer_for(declaration: ConflictDeclaration, organisation_id: int) -> ConflictAnswer:
    answer = next((a for a in declaration.answers if a.organisation_id == organisation_id), None)
    if answer is None:
        answer = ConflictAnswer(organisation_id=organisation_id, band=False, explanation="")
        declaration.answers.append(answer)
    return answer


def _set_aside_scores(
    session: Session,
    *,
    tender: Tender,
    user_id: int,
    bid_id: int | None,
    reason: str,
    now: datetime,
) -> int:
    """Set aside (keep, flagged with when and why) an evaluator's scores; how many."""
    query = (
        select(Score)
        .join(Score.bid)
        .where(
            Bid.tender_id == tender.id,
            Score.evaluator_id == user_id,
            Score.set_aside_at.is_(None),
        )
    )
    if bid_id is not None:
        query = query.where(Score.bid_id == bid_id)
    scores = list(session.scalars(query))
    for score in scores:
        score.set_aside_at = now
        score.set_aside_reason = reason
    session.flush()
    return len(scores)


def _mark_band(
    session: Session,
    *,
    member: CommitteeMember,
    bidder: Bidder,
    explanation: str,
    recorded_by: User | None,
    now: datetime,
) -> int:
    """Record a band found after signing and set aside the member's scores on that bid."""
    tender = member.tender
    _ensure_scoring(tender)
    declaration = member.declaration
    if declaration is None:
        raise EvaluationError(f"{member.user.name} heeft de verklaring nog niet ondertekend.")
    if problem := explanation_problem(bidder, explanation):
        raise EvaluationError(problem)
    answer = _answer_for(declaration, bidder.organisation_id)
    if answer.band:
        raise EvaluationError(f"Voor {bidder.name} staat al een band gemeld.")
    answer.band = True
    answer.explanation = explanation.strip()
    answer.declared_at = now
    answer.declared_later = True
    answer.recorded_by_id = recorded_by.id if recorded_by else None
    bid_id = session.scalar(
        select(Bid.id).where(
            Bid.tender_id == tender.id,
            Bid.organisation_id == bidder.organisation_id,
            Bid.status == BidStatus.SUBMITTED,
        )
    )
    reason = (
        f"band met de inschrijver later gemeld: {answer.explanation}"
        if recorded_by is None
        else f"door de inkoper van deze inschrijving gehaald: {answer.explanation}"
    )
    return (
        _set_aside_scores(
            session, tender=tender, user_id=member.user_id, bid_id=bid_id, reason=reason, now=now
        )
        if bid_id is not None
        else 0
    )


def declare_conflict_later(
    session: Session, *, member: CommitteeMember, kvk_number: str, explanation: str, now: datetime
) -> int:
    """A member reports a band found after signing; its scores on that bid are set aside.

    Consensus already recorded on that bid stays: the chair decides. Returns how many
    scores were set aside.
    """
    bidder = _bidder(session, member.tender, kvk_number)
    count = _mark_band(
        session, member=member, bidder=bidder, explanation=explanation, recorded_by=None, now=now
    )
    _record(
        session,
        actor=member.user,
        action="committee.conflict_later",
        tender=member.tender,
        now=now,
        kvk=bidder.kvk_number,
        toelichting=explanation.strip(),
        scores_terzijde=count,
    )
    return count


def remove_member_from_bid(
    session: Session,
    *,
    member: CommitteeMember,
    bid: Bid,
    reason: str,
    actor: User,
    now: datetime,
) -> int:
    """The inkoper keeps a member away from one bid; its scores on that bid are set aside."""
    version = submitted.submitted_version(bid)
    if bid.tender_id != member.tender_id or bid.status != BidStatus.SUBMITTED or version is None:
        raise EvaluationError("Deze inschrijving hoort niet bij deze aanbesteding.")
    bidder = Bidder(bid.organisation_id, version.organisation.name, version.organisation.kvk_number)
    count = _mark_band(
        session, member=member, bidder=bidder, explanation=reason, recorded_by=actor, now=now
    )
    _record(
        session,
        actor=actor,
        action="committee.remove_from_bid",
        tender=member.tender,
        object_type="bid",
        object_id=bid.id,
        now=now,
        lid=member.user.email,
        reden=reason.strip(),
        scores_terzijde=count,
    )
    return count


def banded(member: CommitteeMember) -> set[int]:
    """The organisations (ids) this member has a band with: it sees none of their bids."""
    declaration = member.declaration
    return {a.organisation_id for a in declaration.bands} if declaration else set()


def conflicted(
    member: CommitteeMember, bid: Bid, bands: Mapping[int, set[int]] | None = None
) -> bool:
    """``bands``: ``banded`` per member id, worked out once by a caller that asks for many
    bids (a member's answers cover every bidder)."""
    return bid.organisation_id in (bands[member.id] if bands is not None else banded(member))


def bands_of(members: Iterable[CommitteeMember]) -> dict[int, set[int]]:
    return {m.id: banded(m) for m in members}


def may_read_bid(
    member: CommitteeMember | None,
    bid: Bid,
    excluded: set[int],
    bands: Mapping[int, set[int]] | None = None,
) -> bool:
    """May this committee member see this bid? (signed, no conflict, received, not excluded)"""
    return (
        member is not None
        and member.tender_id == bid.tender_id
        and member.declaration is not None
        and bid.tender.state in READING_STATES
        and bid.status == BidStatus.SUBMITTED
        and bid.blind_number is not None
        and bid.id not in excluded
        and not conflicted(member, bid, bands)
    )


def evaluators_for(
    members: Sequence[CommitteeMember], bid: Bid, bands: Mapping[int, set[int]] | None = None
) -> list[CommitteeMember]:
    """The members who score this bid: signed and without a conflict."""
    return [m for m in members if m.declaration is not None and not conflicted(m, bid, bands)]


# -- blind content -------------------------------------------------------------------------


@dataclass(frozen=True)
class BlindPlan:
    criterion_code: str
    text: str
    attachment: SubmittedFile | None


def blind_plans(version: SubmittedBid, organisation: Organisation) -> dict[str, BlindPlan]:
    """The submitted plans per criterion code, with every place that names the bidder
    (``tender.evaluation.identity``) replaced by "[naam inschrijver]"."""
    matcher = attachments.matcher_for(version, organisation)
    return {
        code: BlindPlan(
            criterion_code=code, text=matcher.redact(plan.text), attachment=plan.attachment
        )
        for code, plan in version.plans.items()
    }


# -- scores and consensus ---------------------------------------------------------------------


def _ensure_scoring(tender: Tender) -> None:
    if tender.state not in SCORING_STATES:
        raise EvaluationError(
            "Scoren kan alleen zolang de aanbesteding in beoordeling is (geopend)."
        )


def _check_score(tender: Tender, score: int) -> None:
    allowed = [level.score for level in tender.scale_levels]
    if score not in allowed:
        raise EvaluationError(
            f"Kies een score van de beoordelingsschaal: {', '.join(map(str, allowed))}."
        )


def _check_motivation(motivation: str, minimum: int) -> str:
    motivation = motivation.strip()
    if len(motivation) < minimum:
        raise EvaluationError(
            f"Schrijf een motivering van minstens {minimum} tekens (nu {len(motivation)})."
        )
    return motivation


def _lock_bid(session: Session, bid: Bid) -> None:
    """Serialise score, consensus and reopen writes on one bid (PostgreSQL row lock;
    SQLite writes are serial anyway), so a score cannot slip in beside a consensus."""
    session.execute(select(Bid.id).where(Bid.id == bid.id).with_for_update())


def stored_consensus(session: Session, bid: Bid) -> dict[int, ConsensusScore]:
    """The stored consensus per criterion id, agreed or reopened (for its version)."""
    return {
        c.criterion_id: c
        for c in session.scalars(select(ConsensusScore).where(ConsensusScore.bid_id == bid.id))
    }


def consensus_for(session: Session, bid: Bid) -> dict[int, ConsensusScore]:
    """The agreed consensus per criterion id; a reopened one is not agreed."""
    return {k: c for k, c in stored_consensus(session, bid).items() if c.reopened_at is None}


def consensus_by_bid(session: Session, tender: Tender) -> dict[int, dict[int, ConsensusScore]]:
    """``consensus_for`` of every bid of the tender in one query: bid id -> criterion id."""
    result: dict[int, dict[int, ConsensusScore]] = defaultdict(dict)
    for row in agreed_consensus(session, tender):
        result[row.bid_id][row.criterion_id] = row
    return result


def agreed_consensus(session: Session, tender: Tender) -> list[ConsensusScore]:
    """Every agreed consensus score of the tender (reopened ones are not agreed)."""
    return list(
        session.scalars(
            select(ConsensusScore)
            .join(ConsensusScore.bid)
            .where(Bid.tender_id == tender.id, ConsensusScore.reopened_at.is_(None))
        )
    )


def _consensus_row(session: Session, bid: Bid, criterion: Criterion) -> ConsensusScore | None:
    """The stored consensus of (bid, criterion), agreed or reopened."""
    return session.scalar(
        select(ConsensusScore).where(
            ConsensusScore.bid_id == bid.id, ConsensusScore.criterion_id == criterion.id
        )
    )


def save_score(
    session: Session,
    *,
    member: CommitteeMember,
    bid: Bid,
    criterion: Criterion,
    score: int,
    motivation: str,
    minimum_motivation: int,
    excluded: set[int],
    now: datetime,
) -> Score:
    """Save (or change) one evaluator's score and motivation; frozen once the consensus
    on that criterion is recorded (until the chair reopens it)."""
    tender = bid.tender
    _ensure_scoring(tender)
    if not may_read_bid(member, bid, excluded):
        raise EvaluationError("U kunt deze inschrijving niet beoordelen.")
    if criterion.tender_id != tender.id:
        raise EvaluationError("Onbekend gunningscriterium.")
    _check_score(tender, score)
    motivation = _check_motivation(motivation, minimum_motivation)
    _lock_bid(session, bid)
    if criterion.id in consensus_for(session, bid):
        raise ScoreFrozen(
            f"Voor {criterion.code} is de consensusscore al vastgelegd; de individuele "
            "scores liggen daarmee vast. Uw invoer is niet opgeslagen. Vraag de voorzitter "
            "de consensus te heropenen als u uw score wilt wijzigen."
        )
    existing = session.scalar(
        select(Score).where(
            Score.bid_id == bid.id,
            Score.criterion_id == criterion.id,
            Score.evaluator_id == member.user_id,
        )
    )
    if existing is None:
        existing = Score(bid=bid, criterion=criterion, evaluator_id=member.user_id)
        session.add(existing)
    elif existing.set_aside_at is not None:  # kept as it was, never overwritten
        raise EvaluationError(
            f"Uw eerdere score voor {criterion.code} op deze inschrijving is terzijde gelegd "
            f"({existing.set_aside_reason}); die blijft bewaard en wordt niet overschreven."
        )
    existing.score = score
    existing.motivation = motivation
    existing.updated_at = now
    session.flush()
    _record(
        session,
        actor=member.user,
        action="score.save",
        tender=tender,
        object_type="bid",
        object_id=bid.id,
        now=now,
        criterium=criterion.code,
        score=score,
    )
    return existing


def scores_for(session: Session, bid: Bid) -> list[Score]:
    """The bid's counted scores; ``Score.evaluator`` comes from the identity map when the
    caller loaded the members with their users (``scorers``)."""
    return list(
        session.scalars(select(Score).where(Score.bid_id == bid.id, Score.set_aside_at.is_(None)))
    )


class ScoreKey(Protocol):
    """What the consensus phase asks of a score: who gave it, on which criterion."""

    evaluator_id: int
    criterion_id: int


def scores_by_bid(session: Session, tender: Tender) -> dict[int, list[ScoreKey]]:
    """Who scored which criterion, per bid, for every bid of the tender in one column query
    (``scores_for`` without loading the score rows themselves)."""
    result: dict[int, list[ScoreKey]] = defaultdict(list)
    for row in session.execute(
        select(Score.bid_id, Score.evaluator_id, Score.criterion_id)
        .join(Score.bid)
        .where(Bid.tender_id == tender.id, Score.set_aside_at.is_(None))
        .order_by(Score.id)
    ):
        result[row.bid_id].append(row)
    return result


def all_individual_scores_in(
    bid: Bid,
    criteria: Sequence[Criterion],
    evaluators: Sequence[CommitteeMember],
    scores: Sequence[ScoreKey],
) -> bool:
    given = {(s.evaluator_id, s.criterion_id) for s in scores}
    return bool(evaluators) and all(
        (m.user_id, c.id) in given for m in evaluators for c in criteria
    )


def consensus_open(
    bid: Bid,
    criteria: Sequence[Criterion],
    evaluators: Sequence[CommitteeMember],
    scores: Sequence[ScoreKey],
) -> bool:
    """The consensus phase of a bid: every individual score is in, or the chair moved it on."""
    return bid.consensus_opened_at is not None or all_individual_scores_in(
        bid, criteria, evaluators, scores
    )


def open_consensus(
    session: Session, *, member: CommitteeMember, bid: Bid, reason: str, now: datetime
) -> None:
    """The chair moves a bid to the consensus phase before every score is in."""
    _ensure_scoring(bid.tender)
    if not member.is_chair:
        raise EvaluationError("Alleen de voorzitter kan de consensusfase openen.")
    if len(reason.strip()) < 10:
        raise EvaluationError("Geef kort aan waarom de consensusfase eerder wordt geopend.")
    bid.consensus_opened_at = now
    bid.consensus_opened_by_id = member.user_id
    session.flush()
    _record(
        session,
        actor=member.user,
        action="consensus.open",
        tender=bid.tender,
        object_type="bid",
        object_id=bid.id,
        now=now,
        reden=reason.strip(),
    )


def spread(scores: Iterable[Score]) -> int:
    values = [s.score for s in scores]
    return max(values) - min(values) if values else 0


def record_consensus(
    session: Session,
    *,
    member: CommitteeMember,
    bid: Bid,
    criterion: Criterion,
    score: int,
    motivation: str,
    expected_version: int | None,
    minimum_motivation: int,
    excluded: set[int],
    is_open: bool,
    now: datetime,
) -> ConsensusScore:
    """Record the committee's consensus; refused when someone else changed it meanwhile.

    ``expected_version`` is the version the chair saw (None: there was none yet).
    """
    tender = bid.tender
    _ensure_scoring(tender)
    if not member.is_chair or not may_read_bid(member, bid, excluded):
        raise EvaluationError("Alleen de voorzitter legt consensusscores vast.")
    if not is_open:
        raise EvaluationError(
            "De consensusfase van deze inschrijving is nog niet open: niet alle individuele "
            "scores zijn binnen."
        )
    _check_score(tender, score)
    motivation = _check_motivation(motivation, minimum_motivation)
    _lock_bid(session, bid)
    current = _consensus_row(session, bid, criterion)
    if (current.version if current else None) != expected_version:
        raise ConcurrentEdit(
            f"De consensusscore voor {criterion.code} is intussen door iemand anders "
            "gewijzigd. Uw invoer is niet opgeslagen maar staat hieronder nog; bekijk de "
            "nieuwe versie en sla opnieuw op."
        )
    try:
        with session.begin_nested():
            if current is None:
                current = ConsensusScore(bid=bid, criterion=criterion)
                session.add(current)
            current.score = score
            current.motivation = motivation
            current.recorded_by_id = member.user_id
            current.recorded_at = now
            current.reopened_at = current.reopened_by_id = current.reopen_reason = None
            session.flush()
    except (IntegrityError, StaleDataError) as error:
        raise ConcurrentEdit(
            f"De consensusscore voor {criterion.code} is zojuist door iemand anders "
            "vastgelegd. Uw invoer is niet opgeslagen; bekijk de nieuwe versie."
        ) from error
    _record(
        session,
        actor=member.user,
        action="consensus.record",
        tender=tender,
        object_type="bid",
        object_id=bid.id,
        now=now,
        criterium=criterion.code,
        score=score,
        versie=current.version,
    )
    return current


def reopen_consensus(
    session: Session,
    *,
    member: CommitteeMember,
    bid: Bid,
    criterion: Criterion,
    reason: str,
    expected_version: int | None,
    excluded: set[int],
    now: datetime,
) -> ConsensusScore:
    """The chair reopens the consensus of (bid, criterion): it no longer counts, the
    individual scores can change again, and the consensus must be recorded anew.

    The row stays (flagged reopened, its version counted up) so that a page showing an
    earlier version cannot overwrite what is recorded next; the audit event keeps the
    reopened score and motivation.
    """
    tender = bid.tender
    if tender.state != TenderState.OPENED:
        raise EvaluationError(
            "Consensus heropenen kan alleen zolang de aanbesteding in beoordeling is "
            "(geopend), niet meer nadat de beoordeling is afgerond."
        )
    if not member.is_chair or not may_read_bid(member, bid, excluded):
        raise EvaluationError("Alleen de voorzitter kan een consensus heropenen.")
    reason = reason.strip()
    if len(reason) < 10:
        raise EvaluationError(
            "Geef een reden van minstens 10 tekens waarom de consensus wordt heropend."
        )
    _lock_bid(session, bid)
    current = _consensus_row(session, bid, criterion)
    if current is None or current.reopened_at is not None:
        raise EvaluationError(f"Voor {criterion.code} is geen consensusscore om te heropenen.")
    if current.version != expected_version:
        raise ConcurrentEdit(
            f"De consensusscore voor {criterion.code} is intussen gewijzigd; bekijk de nieuwe "
            "versie voordat u heropent."
        )
    reopened = {"score": current.score, "motivation": current.motivation, "versie": current.version}
    try:
        with session.begin_nested():
            current.reopened_at = now
            current.reopened_by_id = member.user_id
            current.reopen_reason = reason
            session.flush()
    except StaleDataError as error:
        raise ConcurrentEdit(
            f"De consensusscore voor {criterion.code} is zojuist gewijzigd; bekijk de nieuwe "
            "versie voordat u heropent."
        ) from error
    _record(
        session,
        actor=member.user,
        action="consensus.reopen",
        tender=tender,
        object_type="bid",
        object_id=bid.id,
        now=now,
        criterium=criterion.code,
        score=reopened["score"],
        motivering=reopened["motivation"],
        heropende_versie=reopened["versie"],
        versie=current.version,
        reden=reason,
    )
    return current


def reopen_for_revision(
    session: Session,
    *,
    tender: Tender,
    bid_ids: Sequence[int],
    criterion_codes: Sequence[str],
    reason: str,
    actor: User,
    now: datetime,
) -> int:
    """After a withdrawn award decision, the inkoper reopens the consensus of the chosen
    criteria for the chosen bids: the committee scores them again, with motivation,
    and records a new consensus. Returns how many consensus scores were reopened."""
    if tender.state not in (TenderState.OPENED, TenderState.EVALUATED):
        raise EvaluationError(
            "Herbeoordelen kan alleen na het intrekken van de gunningsbeslissing, zolang er "
            "geen nieuwe in behandeling is."
        )
    reason = reason.strip()
    if len(reason) < 10:
        raise EvaluationError("Geef een reden van minstens 10 tekens voor de herbeoordeling.")
    if not bid_ids or not criterion_codes:
        raise EvaluationError("Kies minstens één inschrijving en één criterium.")
    criteria = {c.code: c for c in tender.criteria}
    unknown = [code for code in criterion_codes if code not in criteria]
    bids = {b.id: b for b in received_bids(session, tender)}
    if unknown or any(bid_id not in bids for bid_id in bid_ids):
        raise EvaluationError("Kies alleen inschrijvingen en criteria van deze aanbesteding.")
    reopened = []
    for bid_id in bid_ids:
        _lock_bid(session, bids[bid_id])
        for code in criterion_codes:
            row = _consensus_row(session, bids[bid_id], criteria[code])
            if row is None or row.reopened_at is not None:
                continue
            row.reopened_at = now
            row.reopened_by_id = actor.id
            row.reopen_reason = reason
            reopened.append((bids[bid_id].blind_code, code, row.score))
    if not reopened:
        raise EvaluationError("Er is geen vastgestelde consensus om te heropenen in deze keuze.")
    if tender.state == TenderState.EVALUATED:
        lifecycle.transition(session, tender, TenderState.OPENED, actor=actor, now=now)
    session.flush()
    _record(
        session,
        actor=actor,
        action="evaluation.revision",
        tender=tender,
        now=now,
        heropend=[{"inschrijving": c, "criterium": k, "score": s} for c, k, s in reopened],
        reden=reason,
    )
    return len(reopened)


# -- completing the evaluation -------------------------------------------------------------------


def evaluation_problems(session: Session, tender: Tender) -> list[str]:
    """What still stands between the tender and 'beoordeeld' (Dutch)."""
    problems = []
    bids = received_bids(session, tender)
    checks = requirement_checks(session, tender)
    excluded = excluded_bid_ids(session, tender)
    agreed = consensus_by_bid(session, tender)
    for bid in bids:
        problem = _unchecked_problem(tender, bid.id, bid.blind_code, checks)
        if problem:
            problems.append(problem)
        if bid.id in excluded:
            continue
        missing = [c.code for c in tender.criteria if c.id not in agreed[bid.id]]
        if missing:
            problems.append(f"{bid.blind_code}: consensus ontbreekt voor {', '.join(missing)}.")
    return problems


def _unchecked_problem(
    tender: Tender, bid_id: int, code: str, checks: Container[tuple[int, int]]
) -> str | None:
    unchecked = [r.code for r in tender.requirements if (bid_id, r.id) not in checks]
    if not unchecked:
        return None
    return f"{code}: eisen {', '.join(unchecked)} zijn nog niet getoetst."


def unchecked_problems(session: Session, tender: Tender) -> list[str]:
    """The requirement-check lines of ``evaluation_problems``, in two column queries."""
    bids = session.execute(
        select(Bid.id, Bid.blind_number)
        .where(Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED)
        .order_by(Bid.id)
    ).all()
    checks = {
        (bid_id, requirement_id)
        for bid_id, requirement_id in session.execute(
            select(RequirementCheck.bid_id, RequirementCheck.requirement_id)
            .join(RequirementCheck.bid)
            .where(Bid.tender_id == tender.id)
        )
    }
    lines = (
        _unchecked_problem(tender, bid_id, blind_code(number), checks) for bid_id, number in bids
    )
    return [line for line in lines if line]


def complete_evaluation(session: Session, *, tender: Tender, actor: User, now: datetime) -> None:
    """Move the tender to 'beoordeeld' once every non-excluded bid has a full consensus."""
    if tender.state == TenderState.OPENED:
        problems = evaluation_problems(session, tender)
        if problems:
            raise EvaluationError("De beoordeling is nog niet af. " + " ".join(problems[:10]))
    lifecycle.transition(session, tender, TenderState.EVALUATED, actor=actor, now=now)
