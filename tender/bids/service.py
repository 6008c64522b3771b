"""The rules of bidding: drafts, sections, completeness, submission, withdrawal.

Every change is refused at and after the submission deadline (server clock, to
the second). A submission freezes the bid's content into a canonical form whose
SHA-256 is the digest on the receipt; the newest submission counts, earlier ones
are kept. Later edits do not touch what was submitted until the provider
submits again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, defer, joinedload

from tender import audit
from tender.accounts.models import Organisation, User
from tender.bids import submitted, uploads
from tender.bids.models import (
    Attachment,
    Bid,
    BidLot,
    BidStatus,
    BidSubmission,
    CoverageDeclaration,
    NetworkPartner,
    Plan,
    RequirementDeclaration,
    Subcontractor,
)
from tender.config import DEFAULTS
from tender.errors import DomainError
from tender.evaluation.identity import IdentityMatcher, identity_of
from tender.tenders.models import Criterion, Lot, Municipality, Requirement, Tender, TenderState
from tender.tenders.parts import CriterionPart, TenderParts, parts_of, tender_parts
from tender.timefmt import count_of, format_datetime, format_number

ORGANISATION_FIELDS = (
    "organisation_name",
    "kvk_number",
    "street_address",
    "postcode",
    "city",
    "contact_person",
    "email",
    "phone",
    "website",
)
REQUIRED_ORGANISATION_FIELDS = ORGANISATION_FIELDS[:7]
NETWORK_KINDS = (
    "welzijn",
    "informele zorg",
    "vrijwilligers",
    "sport",
    "mantelzorgondersteuning",
    "wijk- of buurtteam",
    "overig",
)


class BidError(DomainError):
    pass


class DeadlinePassed(BidError):
    pass


class WordLimitExceeded(BidError):
    pass


def word_count(text: str) -> int:
    """Words as the provider sees them: runs of non-space characters."""
    return len(text.split())


def shown_status(bid: Bid, now: datetime) -> str:
    """The status a person reads: 'concept' until the deadline, 'niet ingediend' for a
    bid never submitted once the deadline has passed; 'ingediend', 'ingetrokken'."""
    deadline = bid.tender.submission_deadline
    if deadline is not None and deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=UTC)
    passed = deadline is not None and now >= deadline
    if bid.status == BidStatus.DRAFT and passed:
        return "niet ingediend"
    return str(bid.status)


def ensure_changes_allowed(tender: Tender, now: datetime) -> None:
    """Refuse any change to a bid unless the tender is open for submissions."""
    deadline = tender.submission_deadline
    if tender.state == TenderState.PUBLISHED and deadline is not None and now < deadline:
        return
    if deadline is not None and now >= deadline:
        raise DeadlinePassed(
            f"De uiterste inschrijfdatum ({format_datetime(deadline)}) is verstreken. "
            "Inschrijvingen kunnen niet meer worden gewijzigd, ingediend of ingetrokken."
        )
    raise BidError("Op deze aanbesteding kan op dit moment niet worden ingeschreven.")


def _touch(
    session: Session, bid: Bid, actor: User, now: datetime, action: str, **details: Any
) -> None:
    bid.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="bid",
        object_id=bid.id,
        tender_id=bid.tender_id,
        now=now,
        details=details,
    )


def start_bid(
    session: Session,
    *,
    tender: Tender,
    organisation: Organisation,
    actor: User,
    now: datetime,
    is_demo: bool = False,
) -> Bid:
    """The organisation's bid on the tender, created as a draft when it has none."""
    existing = next(
        (b for b in tender_bids(session, tender) if b.organisation_id == organisation.id), None
    )
    if existing is not None:
        return existing
    ensure_changes_allowed(tender, now)
    bid = Bid(
        tender=tender,
        organisation=organisation,
        status=BidStatus.DRAFT,
        organisation_name=organisation.name,
        kvk_number=organisation.kvk_number,
        street_address=organisation.street_address,
        postcode=organisation.postcode,
        city=organisation.city,
        contact_person=organisation.contact_person,
        email=organisation.email,
        phone=organisation.phone,
        website=organisation.website,
        created_at=now,
        updated_at=now,
        is_demo=is_demo,
    )
    session.add(bid)
    session.flush()
    _touch(session, bid, actor, now, "bid.create")
    return bid


def tender_bids(session: Session, tender: Tender) -> list[Bid]:
    return list(session.scalars(select(Bid).where(Bid.tender_id == tender.id)))


def organisation_bids(session: Session, organisation_id: int) -> dict[int, Bid]:
    """The organisation's bids by tender id, for the provider portal."""
    bids = session.scalars(select(Bid).where(Bid.organisation_id == organisation_id))
    return {bid.tender_id: bid for bid in bids}


def submitted_count(session: Session, tender: Tender) -> int:
    """Bids received (submitted, not withdrawn): the only thing shown before opening."""
    query = select(func.count(Bid.id)).where(
        Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED
    )
    return session.scalar(query) or 0


def update_organisation_details(
    session: Session, *, bid: Bid, fields: dict[str, str], actor: User, now: datetime
) -> None:
    ensure_changes_allowed(bid.tender, now)
    for name in ORGANISATION_FIELDS:
        if name in fields:
            setattr(bid, name, (fields[name] or "").strip())
    _touch(session, bid, actor, now, "bid.organisation")


def set_lots(
    session: Session, *, bid: Bid, lots: Iterable[Lot], actor: User, now: datetime
) -> None:
    """Choose the lots; coverage declared for a lot no longer chosen is removed."""
    ensure_changes_allowed(bid.tender, now)
    chosen = {lot.id for lot in lots}
    if any(lot.tender_id != bid.tender_id for lot in lots):
        raise BidError("Onbekend perceel.")
    bid.lots = [bl for bl in bid.lots if bl.lot_id in chosen] + [
        BidLot(lot_id=lot_id) for lot_id in sorted(chosen - {bl.lot_id for bl in bid.lots})
    ]
    bid.coverage = [cell for cell in bid.coverage if cell.lot_id in chosen]
    _touch(session, bid, actor, now, "bid.lots", percelen=sorted(chosen))


def add_attachment(
    session: Session,
    *,
    bid: Bid,
    filename: str,
    content: bytes,
    storage_dir: Path,
    max_bytes: int,
    actor: User,
    now: datetime,
    max_bid_bytes: int = DEFAULTS["MAX_BID_UPLOAD_BYTES"],
) -> Attachment:
    """Check and store an uploaded PDF (``tender.bids.uploads``) within the bid's quota
    of ``max_bid_bytes`` for all its uploads together. Attachments are never deleted."""
    ensure_changes_allowed(bid.tender, now)
    label = uploads.check_pdf(filename, content, max_bytes=max_bytes)
    uploads.check_quota(label, len(content), used=uploaded_bytes(session, bid), limit=max_bid_bytes)
    stored = uploads.store(storage_dir, content, label)
    attachment = Attachment(
        bid=bid,
        original_filename=stored.original_filename,
        stored_name=stored.stored_name,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        uploaded_at=now,
        uploaded_by_id=actor.id,
    )
    session.add(attachment)
    session.flush()
    _touch(session, bid, actor, now, "bid.attachment", bestand=label, sha256=stored.sha256)
    return attachment


def uploaded_bytes(session: Session, bid: Bid) -> int:
    """What the bid's uploads take together, replaced ones included."""
    total = session.scalar(
        select(func.coalesce(func.sum(Attachment.size_bytes), 0)).where(Attachment.bid_id == bid.id)
    )
    return int(total or 0)


def declare_requirement(
    session: Session,
    *,
    bid: Bid,
    requirement: Requirement,
    complies: bool,
    evidence: Attachment | None,
    actor: User,
    now: datetime,
) -> None:
    """Declare compliance with one requirement; new evidence replaces earlier evidence."""
    ensure_changes_allowed(bid.tender, now)
    if requirement.tender_id != bid.tender_id:
        raise BidError("Onbekende eis.")
    declaration = next(
        (d for d in bid.requirement_declarations if d.requirement_id == requirement.id), None
    )
    if declaration is None:
        declaration = RequirementDeclaration(requirement=requirement, complies=False)
        bid.requirement_declarations.append(declaration)
    declaration.complies = complies
    if evidence is not None:
        declaration.evidence = evidence
    _touch(session, bid, actor, now, "bid.requirement", eis=requirement.code, voldoet=complies)


def set_coverage(
    session: Session,
    *,
    bid: Bid,
    lot: Lot,
    cells: set[tuple[int, int]],
    actor: User,
    now: datetime,
) -> None:
    """The (municipality id, target group id) cells of one lot the provider will serve."""
    ensure_changes_allowed(bid.tender, now)
    if lot.id not in {bl.lot_id for bl in bid.lots}:
        raise BidError(f"Kies eerst perceel {lot.code} voordat u de dekking invult.")
    allowed = {(m.id, g.id) for m in lot.municipalities for g in lot.target_groups}
    if not cells <= allowed:
        raise BidError("De dekking bevat een gemeente of doelgroep die niet bij dit perceel hoort.")
    bid.coverage = [c for c in bid.coverage if c.lot_id != lot.id] + [
        CoverageDeclaration(lot_id=lot.id, municipality_id=m, target_group_id=g)
        for m, g in sorted(cells)
    ]
    _touch(session, bid, actor, now, "bid.coverage", perceel=lot.code, cellen=len(cells))


def add_network_partner(
    session: Session,
    *,
    bid: Bid,
    municipality: Municipality,
    name: str,
    kind: str,
    cooperation: str,
    actor: User,
    now: datetime,
) -> NetworkPartner:
    ensure_changes_allowed(bid.tender, now)
    if municipality.tender_id != bid.tender_id:
        raise BidError("Onbekende gemeente.")
    if kind not in NETWORK_KINDS:
        raise BidError(f"Kies een soort organisatie uit: {', '.join(NETWORK_KINDS)}.")
    partner = NetworkPartner(
        municipality=municipality, name=name.strip(), kind=kind, cooperation=cooperation.strip()
    )
    bid.network_partners.append(partner)
    _touch(
        session, bid, actor, now, "bid.network", gemeente=municipality.code, partner=partner.name
    )
    return partner


def remove_network_partner(
    session: Session, *, bid: Bid, partner: NetworkPartner, actor: User, now: datetime
) -> None:
    ensure_changes_allowed(bid.tender, now)
    bid.network_partners.remove(partner)
    _touch(session, bid, actor, now, "bid.network_removed", partner=partner.name)


def add_subcontractor(
    session: Session,
    *,
    bid: Bid,
    name: str,
    kvk_number: str,
    activities: str,
    actor: User,
    now: datetime,
) -> Subcontractor:
    ensure_changes_allowed(bid.tender, now)
    kvk = re.sub(r"[\s.]", "", kvk_number)
    if not re.fullmatch(r"\d{8}", kvk):
        raise BidError("Een KvK-nummer bestaat uit precies 8 cijfers.")
    subcontractor = Subcontractor(name=name.strip(), kvk_number=kvk, activities=activities.strip())
    bid.subcontractors.append(subcontractor)
    _touch(session, bid, actor, now, "bid.subcontractor", naam=subcontractor.name)
    return subcontractor


def remove_subcontractor(
    session: Session, *, bid: Bid, subcontractor: Subcontractor, actor: User, now: datetime
) -> None:
    ensure_changes_allowed(bid.tender, now)
    bid.subcontractors.remove(subcontractor)
    _touch(session, bid, actor, now, "bid.subcontractor_removed", naam=subcontractor.name)


def save_plan(
    session: Session,
    *,
    bid: Bid,
    criterion: Criterion,
    text: str,
    attachment: Attachment | None,
    actor: User,
    now: datetime,
) -> Plan:
    """Save the plan for one criterion; the word limit is the criteria file's."""
    ensure_changes_allowed(bid.tender, now)
    if criterion.tender_id != bid.tender_id:
        raise BidError("Onbekend gunningscriterium.")
    words = word_count(text)
    if words > criterion.max_words:
        raise WordLimitExceeded(
            f"Het plan voor {criterion.code} telt {count_of(words, 'woord', 'woorden')}; het "
            f"maximum is {format_number(criterion.max_words)}. Kort de tekst met "
            f"{count_of(words - criterion.max_words, 'woord', 'woorden')} in."
        )
    plan = plan_for(bid, criterion)
    if plan is None:
        plan = Plan(criterion=criterion, text="")
        bid.plans.append(plan)
    plan.text = text.strip()
    if attachment is not None:
        plan.attachment = attachment
    _touch(session, bid, actor, now, "bid.plan", criterium=criterion.code, woorden=words)
    return plan


def plan_for(bid: Bid, criterion: Criterion | CriterionPart) -> Plan | None:
    return next((p for p in bid.plans if p.criterion_id == criterion.id), None)


@dataclass(frozen=True)
class Missing:
    """One thing that stands in the way of submitting, and where to fix it."""

    section: str  # the endpoint's section name, e.g. "requirements"
    message: str
    criterion_id: int | None = None


def served_municipality_ids(bid: Bid) -> set[int]:
    return {cell.municipality_id for cell in bid.coverage}


def completeness(bid: Bid, parts: TenderParts | None = None) -> list[Missing]:
    """Everything still missing before the bid can be submitted, in Dutch; checked against
    ``parts`` (the tender's frozen parts, ``tender.tenders.parts``) or the tender's own
    collections."""
    tender: TenderParts | Tender = parts if parts is not None else bid.tender
    missing: list[Missing] = []
    labels = {
        "organisation_name": "naam organisatie",
        "kvk_number": "KvK-nummer",
        "street_address": "adres",
        "postcode": "postcode",
        "city": "plaats",
        "contact_person": "contactpersoon",
        "email": "e-mailadres",
    }
    empty = [labels[f] for f in REQUIRED_ORGANISATION_FIELDS if not getattr(bid, f)]
    if empty:
        missing.append(
            Missing("organisation", "Vul in bij de organisatiegegevens: " + ", ".join(empty) + ".")
        )
    if not bid.lots:
        missing.append(Missing("lots", "Kies ten minste één perceel."))
    declarations = {d.requirement_id: d for d in bid.requirement_declarations}
    for requirement in tender.requirements:
        declaration = declarations.get(requirement.id)
        if declaration is None or not declaration.complies:
            missing.append(
                Missing(
                    "requirements",
                    f"Verklaar dat u voldoet aan eis {requirement.code} ({requirement.title}).",
                )
            )
        elif requirement.evidence == "required" and declaration.evidence_id is None:
            missing.append(
                Missing(
                    "requirements",
                    f"Voeg het bewijsstuk toe bij eis {requirement.code} ({requirement.title}).",
                )
            )
    chosen = {bl.lot_id for bl in bid.lots}
    for lot in tender.lots:
        if lot.id in chosen and not any(c.lot_id == lot.id for c in bid.coverage):
            missing.append(
                Missing(
                    "coverage",
                    f"Geef bij perceel {lot.code} aan welke gemeenten en doelgroepen u bedient.",
                )
            )
    with_partner = {p.municipality_id for p in bid.network_partners}
    for municipality in tender.municipalities:
        if municipality.id in served_municipality_ids(bid) and municipality.id not in with_partner:
            missing.append(
                Missing(
                    "network",
                    f"Noem ten minste één partner in het voorliggend veld in {municipality.name}.",
                )
            )
    for criterion in tender.criteria:
        plan = plan_for(bid, criterion)
        if plan is None or not plan.text.strip():
            missing.append(
                Missing(
                    "plan",
                    f"Schrijf het plan voor {criterion.code} ({criterion.title}).",
                    criterion.id,
                )
            )
        elif word_count(plan.text) > criterion.max_words:
            missing.append(
                Missing(
                    "plan",
                    f"Het plan voor {criterion.code} is langer dan "
                    f"{count_of(criterion.max_words, 'woord', 'woorden')}.",
                    criterion.id,
                )
            )
    return missing


def anonymity_warnings(bid: Bid) -> list[str]:
    """Places in the plans that reveal who the provider is (a warning, not a block): what
    the committee would see redacted (``tender.evaluation.identity``), in the working copy's
    details and the registered organisation's."""
    matcher = IdentityMatcher(identity_of([bid, bid.organisation]))
    warnings = []
    for plan in sorted(bid.plans, key=lambda p: p.criterion.position):
        places = [("de tekst", plan.text)]
        if plan.attachment is not None:
            places.append(
                (
                    f"de bestandsnaam '{plan.attachment.original_filename}'",
                    plan.attachment.original_filename,
                )
            )
        for where, content in places:
            found = dict.fromkeys(match.text for match in matcher.find(content))
            if found:
                shown = ", ".join(repr(text) for text in found)
                warnings.append(
                    f"Plan {plan.criterion.code}: {where} bevat {shown}. De commissie "
                    "beoordeelt anoniem; verwijder gegevens die uw organisatie herkenbaar maken."
                )
    return warnings


def _attachment_form(attachment: Attachment | None) -> dict[str, str] | None:
    if attachment is None:
        return None
    return {"bestand": attachment.original_filename, "sha256": attachment.sha256}


def canonical_form(bid: Bid, parts: TenderParts | None = None) -> dict[str, Any]:
    """The submitted content, in a stable order, with attachments by their digests; the
    tender's parts from ``parts`` or from the tender's own collections."""
    tender = bid.tender
    if parts is None:
        parts = parts_of(tender)
    lots = {lot.id: lot.code for lot in parts.lots}
    municipalities = {m.id: m.code for m in parts.municipalities}
    groups = {g.id: g.code for g in parts.target_groups}
    declarations = {d.requirement_id: d for d in bid.requirement_declarations}
    return {
        "aanbesteding": tender.reference,
        "organisatie": {field: getattr(bid, field) for field in ORGANISATION_FIELDS},
        "percelen": sorted(lots[bl.lot_id] for bl in bid.lots),
        "eisen": [
            {
                "eis": r.code,
                "voldoet": bool(declarations[r.id].complies) if r.id in declarations else False,
                "bewijs": _attachment_form(declarations[r.id].evidence)
                if r.id in declarations
                else None,
            }
            for r in parts.requirements
        ],
        "dekking": sorted(
            [lots[c.lot_id], municipalities[c.municipality_id], groups[c.target_group_id]]
            for c in bid.coverage
        ),
        "netwerk": sorted(
            (
                [municipalities[p.municipality_id], p.name, p.kind, p.cooperation]
                for p in bid.network_partners
            ),
        ),
        "onderaannemers": sorted([s.name, s.kvk_number, s.activities] for s in bid.subcontractors),
        "plannen": [
            {
                "criterium": c.code,
                "tekst": plan.text if (plan := plan_for(bid, c)) else "",
                "bijlage": _attachment_form(plan.attachment) if plan else None,
            }
            for c in parts.criteria
        ],
    }


def canonical_json(canonical: dict[str, Any]) -> bytes:
    """The canonical form as the bytes its digest covers (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def digest_of(canonical: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON (``canonical_json``)."""
    return hashlib.sha256(canonical_json(canonical)).hexdigest()


def has_unsubmitted_changes(bid: Bid) -> bool:
    """Whether the working copy differs from the version that counts (the provider's eyes only)."""
    counting = submitted.counting_submission(bid)
    return counting is not None and digest_of(canonical_form(bid)) != counting.digest


def _lock_for_submission(session: Session, bid: Bid, actor: User) -> None:
    """Hold the bid's row until the transaction ends, then read it afresh.

    Two submits of one bid at the same moment (a double click, two tabs) would both
    count the submissions so far and both take the next number. A lock on the bid's
    row makes the second request wait until the first has committed: on PostgreSQL
    ``SELECT ... FOR UPDATE``, which also reads the row afresh; on SQLite an UPDATE of
    the row, whose write lock covers the whole database, after which the row is read
    again. What the request loaded before the lock may be stale, so everything but the
    acting user is expired and loaded again as the submission reads it; the second
    request then simply submits again (number 2, the same digest), as a resubmission
    before the deadline does.
    """
    session.flush()
    bid_id, actor_id = bid.id, actor.id
    for loaded in list(session.identity_map.values()):
        if not (isinstance(loaded, User) and loaded.id == actor_id):
            session.expire(loaded)
    fresh = select(Bid).where(Bid.id == bid_id).options(*_LOCKED_BID)
    if session.get_bind().dialect.name == "postgresql":
        session.scalars(fresh.with_for_update(of=Bid)).unique().one()
        return
    session.execute(
        update(Bid)
        .where(Bid.id == bid_id)
        .values(updated_at=Bid.updated_at)
        .execution_options(synchronize_session=False)
    )
    session.scalars(fresh).unique().one()


# Read with the locked bid: its tender (without the copied criteria and contract texts,
# some 40 kB that a submission does not read), and two short lists of the bid's content.
_LOCKED_BID = (
    joinedload(Bid.tender).options(
        defer(Tender.criteria_text), defer(Tender.contract_clauses_text)
    ),
    joinedload(Bid.lots),
    joinedload(Bid.requirement_declarations),
)


def submit(session: Session, *, bid: Bid, actor: User, now: datetime) -> BidSubmission:
    """Submit (or resubmit) the bid: record the time of receipt and the digest.

    Submissions of one bid are serialised (``_lock_for_submission``).
    """
    _lock_for_submission(session, bid, actor)
    ensure_changes_allowed(bid.tender, now)
    parts = tender_parts(bid.tender)  # read once per process (frozen since publication)
    missing = completeness(bid, parts)
    if missing:
        raise BidError(
            "De inschrijving is nog niet compleet: " + " ".join(m.message for m in missing)
        )
    canonical = canonical_form(bid, parts)
    digest = digest_of(canonical)
    # The next number, without loading every earlier submission's canonical form.
    earlier = session.scalar(
        select(func.max(BidSubmission.number)).where(BidSubmission.bid_id == bid.id)
    )
    submission = BidSubmission(
        bid=bid,
        number=(earlier or 0) + 1,
        received_at=now,
        digest=digest,
        canonical=canonical,
        submitted_by_id=actor.id,
    )
    session.add(submission)
    bid.status = BidStatus.SUBMITTED
    bid.submitted_at = now
    bid.digest = digest
    bid.withdrawn_at = None
    _touch(session, bid, actor, now, "bid.submit", indiening=submission.number, sha256=digest)
    return submission


def withdraw(session: Session, *, bid: Bid, actor: User, now: datetime) -> None:
    """Withdraw a submitted bid before the deadline; its submissions stay on record."""
    ensure_changes_allowed(bid.tender, now)
    if bid.status != BidStatus.SUBMITTED:
        raise BidError("Alleen een ingediende inschrijving kan worden ingetrokken.")
    bid.status = BidStatus.WITHDRAWN
    bid.withdrawn_at = now
    _touch(session, bid, actor, now, "bid.withdraw")
