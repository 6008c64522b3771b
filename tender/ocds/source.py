"""What the OCDS export reads from the database, as plain data.

``read_source`` is the only place of the export that queries: one query per concern
(lots with their municipalities and target groups, documents, schedule changes, the
bid count, the decision versions), never one per bid. The awards are read from each
decision's frozen snapshot, so that the export says what the letters said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tender.award import versions
from tender.bids import service as bids
from tender.tenders import publication
from tender.tenders.models import Lot, Tender, TenderState
from tender.tenders.schedule import schedule_changes


@dataclass(frozen=True)
class LotSource:
    code: str
    name: str
    max_awards: int
    estimated_value_eur: Decimal
    municipalities: tuple[tuple[str, str], ...]  # (CBS code, name)
    target_groups: tuple[tuple[str, str], ...]  # (code, name)


@dataclass(frozen=True)
class CriterionSource:
    code: str
    title: str
    weight: Decimal
    minimum: int


@dataclass(frozen=True)
class DocumentSource:
    kind: str
    filename: str
    sha256: str
    released_at: datetime


@dataclass(frozen=True)
class ScheduleChangeSource:
    number: int
    changed_at: datetime
    reason: str
    old_question_deadline: datetime
    old_submission_deadline: datetime
    new_question_deadline: datetime
    new_submission_deadline: datetime


@dataclass(frozen=True)
class ContractTermsSource:
    start: date
    initial_years: int
    extension_years: tuple[int, ...]
    notice_months: int


@dataclass(frozen=True)
class DecisionSource:
    """One version of the award decision whose letters were sent.

    ``bids`` keeps of each bid in the snapshot only what may be published: the
    organisation's name, KvK number and place, and its result per lot.
    """

    version: int
    letters_sent_at: datetime
    standstill_end: date | None
    withdrawn_at: datetime | None
    definitive_at: datetime | None
    bids: tuple[BidResult, ...]


@dataclass(frozen=True)
class BidResult:
    name: str
    kvk: str
    city: str
    # lot code -> rank (None when not ranked) for the lots the bid was awarded
    awarded: dict[str, int | None]
    # lot code -> target group code -> the municipality codes where the bid serves it
    served: dict[str, dict[str, tuple[str, ...]]]


@dataclass(frozen=True)
class TenderSource:
    reference: str
    title: str
    region: str
    contracting_authority: str
    award_mode: str
    state: str
    scale_min: int
    scale_max: int
    minimum_total: Decimal
    created_at: datetime
    published_at: datetime | None
    question_deadline: datetime | None
    submission_deadline: datetime | None
    opened_at: datetime | None
    withdrawn_at: datetime | None
    municipalities: tuple[tuple[str, str], ...]
    lots: tuple[LotSource, ...]
    criteria: tuple[CriterionSource, ...]
    contract: ContractTermsSource
    documents: tuple[DocumentSource, ...]
    schedule_changes: tuple[ScheduleChangeSource, ...]
    number_of_tenderers: int | None  # known from the opening on
    decisions: tuple[DecisionSource, ...]


def _by_group(cells: list[list[str]]) -> dict[str, tuple[str, ...]]:
    """[[municipality, group], ...] -> group -> municipalities, each sorted."""
    groups: dict[str, set[str]] = {}
    for municipality, group in cells:
        groups.setdefault(group, set()).add(municipality)
    return {group: tuple(sorted(places)) for group, places in sorted(groups.items())}


def _bid_result(entry: dict[str, Any]) -> BidResult:
    ranks = {item["lot"]: item.get("rank") for item in entry.get("lot_results", [])}
    organisation = entry["organisation"]
    return BidResult(
        name=organisation["name"],
        kvk=organisation["kvk"],
        city=organisation.get("city", ""),
        awarded={lot: ranks.get(lot) for lot in entry["awarded_lots"]},
        served={lot: _by_group(cells) for lot, cells in entry.get("served", {}).items()},
    )


def read_source(session: Session, tender: Tender) -> TenderSource:
    """Everything the export needs of ``tender``, read in a fixed number of queries."""
    lots = session.scalars(
        select(Lot)
        .where(Lot.tender_id == tender.id)
        .order_by(Lot.position)
        .options(selectinload(Lot.municipalities), selectinload(Lot.target_groups))
    ).all()
    terms = tender.contract_terms
    return TenderSource(
        reference=tender.reference,
        title=tender.title,
        region=tender.region,
        contracting_authority=tender.contracting_authority,
        award_mode=tender.award_mode,
        state=str(tender.state),
        scale_min=tender.scale_min,
        scale_max=tender.scale_max,
        minimum_total=tender.minimum_total,
        created_at=tender.created_at,
        published_at=tender.published_at,
        question_deadline=tender.question_deadline,
        submission_deadline=tender.submission_deadline,
        opened_at=tender.opened_at,
        withdrawn_at=tender.withdrawn_at if tender.state == TenderState.WITHDRAWN else None,
        municipalities=tuple((m.code, m.name) for m in tender.municipalities),
        lots=tuple(
            LotSource(
                code=lot.code,
                name=lot.name,
                max_awards=lot.max_awards,
                estimated_value_eur=lot.estimated_value_eur,
                municipalities=tuple((m.code, m.name) for m in lot.municipalities),
                target_groups=tuple((g.code, g.name) for g in lot.target_groups),
            )
            for lot in lots
        ),
        criteria=tuple(
            CriterionSource(code=c.code, title=c.title, weight=c.weight, minimum=c.minimum)
            for c in tender.criteria
        ),
        contract=ContractTermsSource(
            start=terms.start_date,
            initial_years=terms.initial_years,
            extension_years=tuple(terms.extension_years),
            notice_months=terms.notice_months,
        ),
        documents=tuple(
            DocumentSource(
                kind=d.kind, filename=d.filename, sha256=d.sha256, released_at=d.released_at
            )
            for d in publication.tender_documents(session, tender)
            if d.released_at is not None
        ),
        schedule_changes=tuple(
            ScheduleChangeSource(
                number=c.number,
                changed_at=c.changed_at,
                reason=c.reason,
                old_question_deadline=c.old_question_deadline,
                old_submission_deadline=c.old_submission_deadline,
                new_question_deadline=c.new_question_deadline,
                new_submission_deadline=c.new_submission_deadline,
            )
            for c in schedule_changes(session, tender)
        ),
        number_of_tenderers=bids.submitted_count(session, tender)
        if tender.opened_at is not None
        else None,
        decisions=tuple(
            DecisionSource(
                version=d.version,
                letters_sent_at=d.letters_sent_at,
                standstill_end=d.standstill_end,
                withdrawn_at=d.withdrawn_at,
                definitive_at=d.definitive_at,
                bids=tuple(_bid_result(entry) for entry in d.snapshot["bids"]),
            )
            for d in versions.versions(session, tender)
            if d.letters_sent_at is not None
        ),
    )
