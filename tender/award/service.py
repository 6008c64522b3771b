"""The award: decision with a frozen snapshot, release of the letters, standstill,
objections, definitive award (DOMAIN.md sections 4-5).

The snapshot freezes, once, everything the letters, the report and the contracts
say: the outcome per bid, scores and motivations, the awarded parties, coverage
and gap decisions, committee and timeline. Documents are built from it, never
from live data, so what was decided is what every document states.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import audit, coverage, scoring
from tender.accounts.models import User
from tender.award import versions
from tender.award.coverage_data import tender_coverage
from tender.award.gaps import undecided_gaps
from tender.award.models import AwardDecision, GapDecision, TieDraw
from tender.award.outcome import TenderOutcome
from tender.award.standstill import standstill_over
from tender.criteria import clauses
from tender.documents import service as documents
from tender.documents.models import Document
from tender.errors import DomainError
from tender.evaluation import service as evaluation
from tender.evaluation.models import CommitteeMember, ConsensusScore, Score
from tender.qa.models import QaRound
from tender.tenders import lifecycle
from tender.tenders.models import Tender, TenderState
from tender.timefmt import count_of, to_local

DECIDABLE_STATES = (TenderState.OPENED, TenderState.EVALUATED)


class AwardError(DomainError):
    pass


def decision_for(session: Session, tender: Tender) -> AwardDecision | None:
    """The version in progress or in force (``versions.active_decision``)."""
    return versions.active_decision(session, tender)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _reasons(reasons: tuple[scoring.Reason, ...]) -> list[dict[str, Any]]:
    return [{"kind": str(r.kind), "text": r.text, "code": r.code} for r in reasons]


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return f"{user.name} ({user.email})" if user else "systeem"


def _bands(session: Session, tender: Tender, member: CommitteeMember) -> list[dict[str, Any]]:
    """A member's declared bands, named as the organisations submitted, with why and when."""
    if member.declaration is None:
        return []
    submitted_as = {b.organisation_id: b for b in evaluation.bidders(session, tender)}
    bands = []
    for answer in member.declaration.answers:
        if answer.band:
            named = submitted_as.get(answer.organisation_id) or answer.organisation
            bands.append(
                {
                    "organisation": named.name,
                    "kvk_number": named.kvk_number,
                    "explanation": answer.explanation,
                    "declared_later": answer.declared_later,
                    "declared_at": _iso(answer.declared_at),
                    "by_officer": answer.recorded_by_id is not None,
                }
            )
    return bands


def build_snapshot(
    session: Session, data: TenderOutcome, *, now: datetime, decided_by: str = ""
) -> dict[str, Any]:
    """Everything the award documents state, as plain JSON, computed now."""
    tender = data.tender
    outcome = data.outcome
    criteria = {c.id: c for c in tender.criteria}
    motivations: dict[tuple[int, str], tuple[int, str]] = {}
    received = {b.bid_id for b in data.bids}
    for item in evaluation.agreed_consensus(session, tender):
        if item.bid_id in received:
            code = criteria[item.criterion_id].code
            motivations[(item.bid_id, code)] = (item.score, item.motivation)
    bids = []
    for bid in data.bids:
        result = outcome.for_bid(bid.bid_id)
        served: dict[str, list[list[str]]] = {}
        for lot, municipality, group in bid.cells:
            served.setdefault(lot, []).append([municipality, group])
        organisation = bid.organisation
        bids.append(
            {
                "bid_id": bid.bid_id,
                "blind_code": bid.blind_code,
                "organisation": {
                    "name": organisation.name,
                    "kvk": organisation.kvk_number,
                    "street_address": organisation.street_address,
                    "postcode": organisation.postcode,
                    "city": organisation.city,
                    "contact_person": organisation.contact_person,
                    "email": organisation.email,
                },
                "organisation_id": bid.organisation_id,
                "received_at": _iso(bid.received_at),
                "digest": bid.digest,
                "lots": sorted(data.results[bid.bid_id].lots),
                "passed": result.evaluation.passed,
                "total": str(result.evaluation.total)
                if result.evaluation.total is not None
                else None,
                "reasons": _reasons(result.evaluation.reasons),
                "requirement_failures": [
                    {"code": f.code, "title": f.title, "reason": f.reason}
                    for f in data.results[bid.bid_id].failed_requirements
                ],
                "scores": [
                    {
                        "code": c.code,
                        "score": motivations[(bid.bid_id, c.code)][0],
                        "motivation": motivations[(bid.bid_id, c.code)][1],
                    }
                    for c in tender.criteria
                    if (bid.bid_id, c.code) in motivations
                ],
                "lot_results": [
                    {
                        "lot": decision.lot,
                        "status": str(decision.status),
                        "rank": decision.rank,
                        "reasons": _reasons(decision.reasons),
                    }
                    for decision in result.lots
                ],
                "awarded_lots": sorted(result.awarded_lots),
                "served": {lot: sorted(cells) for lot, cells in served.items()},
                "network": sorted(bid.network_municipalities),
            }
        )
    members = evaluation.committee(session, tender, with_removed=True)
    checked = tender_coverage(session, tender, data)
    gap_decisions = session.scalars(select(GapDecision).where(GapDecision.tender_id == tender.id))
    rounds = session.scalars(
        select(QaRound).where(QaRound.tender_id == tender.id).order_by(QaRound.number)
    )
    return {
        "computed_at": now.isoformat(),
        "tender": {
            "reference": tender.reference,
            "title": tender.title,
            "region": tender.region,
            "contracting_authority": tender.contracting_authority,
            "court": tender.court,
            "standstill_days": tender.standstill_days,
            "award_mode": tender.award_mode,
            "minimum_total": str(tender.minimum_total),
            "scale_max": tender.scale_max,
            "scale_min": tender.scale_min,
            "tenderned_reference": tender.tenderned_reference,
            "criteria": [
                {"code": c.code, "title": c.title, "weight": str(c.weight), "minimum": c.minimum}
                for c in tender.criteria
            ],
            "lots": [
                {
                    "code": lot.code,
                    "name": lot.name,
                    "minimum": lot.min_providers_per_cell,
                    "max_awards": lot.max_awards,
                    "estimated_value_eur": str(lot.estimated_value_eur),
                    "maximum_value_eur": str(lot.maximum_value_eur),
                    "municipalities": [[m.code, m.name] for m in lot.municipalities],
                    "target_groups": [[g.code, g.name] for g in lot.target_groups],
                }
                for lot in tender.lots
            ],
            "municipalities": [[m.code, m.name] for m in tender.municipalities],
            "target_groups": [[g.code, g.name] for g in tender.target_groups],
            "products": [
                {"code": p.code, "name": p.name, "unit": p.unit, "tariff_eur": str(p.tariff_eur)}
                for p in tender.products
            ],
            "contract": {
                "initial_years": tender.contract_terms.initial_years,
                "extension_years": list(tender.contract_terms.extension_years),
                "start_date": tender.contract_terms.start_date.isoformat(),
                "notice_months": tender.contract_terms.notice_months,
            },
            "contract_clauses": clauses.snapshot_entry(
                source=tender.contract_clauses_source,
                text=tender.contract_clauses_text,
                subcontractors={bid.bid_id: bid.subcontractors for bid in data.bids},
            ),
            "timeline": {
                "published_at": _iso(tender.published_at),
                "question_deadline": _iso(tender.question_deadline),
                "submission_deadline": _iso(tender.submission_deadline),
                "opening_started_at": _iso(tender.opening_started_at),
                "opening_started_by": _name(session, tender.opening_started_by_id),
                "opened_at": _iso(tender.opened_at),
                "opened_by": _name(session, tender.opened_by_id),
                "decided_at": now.isoformat(),
                "decided_by": decided_by,
                "qa_rounds": [
                    {"number": r.number, "published_at": _iso(r.published_at)} for r in rounds
                ],
            },
        },
        "bids": bids,
        "awarded": {
            lot.code: sorted(b["bid_id"] for b in bids if lot.code in b["awarded_lots"])
            for lot in tender.lots
        },
        "committee": [
            {
                "name": m.user.name,
                "chair": m.is_chair,
                "signed_at": _iso(m.declaration.signed_at) if m.declaration else None,
                "bands": _bands(session, tender, m),
                "removed_at": _iso(m.removed_at) if m.removed_at else None,
                "removed_reason": m.removed_reason,
            }
            for m in members
        ],
        "coverage": coverage.to_json_dict(checked.report, tender.reference),
        "gaps": [
            {
                "kind": str(gap.kind),
                "lot": gap.lot,
                "municipality": gap.municipality,
                "municipality_name": gap.municipality_name,
                "target_group": gap.target_group,
                "target_group_name": gap.target_group_name,
                "count": gap.count,
                "minimum": gap.minimum,
                "text": gap.text,
            }
            for gap in coverage.gaps(checked.report)
        ],
        "draws": [
            {
                "lot": draw.lot_code,
                "order": [data.bid(bid_id).blind_code for bid_id in draw.drawn_order],
                "bid_ids": list(draw.drawn_order),
                "method": draw.method,
                "drawn_by": draw.drawn_by,
                "witnesses": list(draw.witnesses),
                "drawn_at": _iso(draw.drawn_at),
                "note": draw.note,
                "recorded_at": _iso(draw.recorded_at),
                "recorded_by": _name(session, draw.recorded_by_id),
            }
            for draw in session.scalars(select(TieDraw).where(TieDraw.tender_id == tender.id))
            if set(draw.drawn_order) <= {b.bid_id for b in data.bids}
        ],
        "gap_decisions": [
            {
                "lot": g.lot.code,
                "municipality": g.municipality.code,
                "target_group": g.target_group.code if g.target_group else None,
                "decision": g.decision,
                "decided_at": _iso(g.decided_at),
                "decided_by": _name(session, g.decided_by_id),
            }
            for g in gap_decisions
        ],
        "proceedings": _proceedings(session, data, members),
    }


def _proceedings(
    session: Session, data: TenderOutcome, members: list[CommitteeMember]
) -> dict[str, Any]:
    """What the award report needs to serve as proces-verbaal: the evaluators under a
    letter each (committee order, removed members included), every individual score
    (set-aside ones with why), who recorded each consensus when and every reopening,
    the opening with the record's digest, and the audit chain's head at this moment."""
    tender = data.tender
    received = {b.bid_id: b.blind_code for b in data.bids}
    codes = {c.id: c.code for c in tender.criteria}
    letters = {m.user_id: _letter(index) for index, m in enumerate(members)}
    individual = session.scalars(
        select(Score)
        .where(Score.bid_id.in_(list(received)))
        .order_by(Score.bid_id, Score.criterion_id, Score.evaluator_id)
    )
    consensus = session.scalars(
        select(ConsensusScore)
        .where(ConsensusScore.bid_id.in_(list(received)), ConsensusScore.reopened_at.is_(None))
        .order_by(ConsensusScore.bid_id, ConsensusScore.criterion_id)
    )
    names: dict[int | None, str] = {}

    def name(user_id: int | None) -> str:
        if user_id not in names:
            names[user_id] = _name(session, user_id)
        return names[user_id]

    by_code = {code: bid_id for bid_id, code in received.items()}
    reopenings = []
    for event in session.scalars(
        select(audit.AuditEvent)
        .where(
            audit.AuditEvent.tender_id == tender.id,
            audit.AuditEvent.action.in_(("consensus.reopen", "evaluation.revision")),
        )
        .order_by(audit.AuditEvent.id)
    ):
        details = event.details
        if event.action == "consensus.reopen":
            items = [(event.object_id, details.get("criterium"), details.get("score"))]
        else:
            items = [
                (by_code.get(item["inschrijving"]), item["criterium"], item["score"])
                for item in details.get("heropend", [])
            ]
        reopenings += [
            {
                "bid_id": bid_id,
                "criterion": code,
                "score": score,
                "reason": details.get("reden", ""),
                "reopened_by": event.actor_label,
                "reopened_at": _iso(event.occurred_at),
            }
            for bid_id, code, score in items
            if bid_id in received
        ]
    record = session.scalar(
        select(Document)
        .where(Document.tender_id == tender.id, Document.kind == documents.OPENING_RECORD)
        .order_by(Document.id.desc())
        .limit(1)
    )
    head = audit.head(session)
    return {
        "spread_flag": tender.spread_flag,
        "evaluators": [
            {
                "letter": letters[m.user_id],
                "name": m.user.name,
                "removed": m.removed_at is not None,
            }
            for m in members
        ],
        "individual": [
            {
                "bid_id": s.bid_id,
                "criterion": codes[s.criterion_id],
                "evaluator": letters.get(s.evaluator_id, "?"),
                "score": s.score,
                "set_aside_at": _iso(s.set_aside_at),
                "set_aside_reason": s.set_aside_reason,
            }
            for s in individual
            if s.criterion_id in codes
        ],
        "consensus": [
            {
                "bid_id": c.bid_id,
                "criterion": codes[c.criterion_id],
                "recorded_by": name(c.recorded_by_id),
                "recorded_at": _iso(c.recorded_at),
                "version": c.version,
            }
            for c in consensus
            if c.criterion_id in codes
        ],
        "reopenings": reopenings,
        "opening": {
            "record": {
                "filename": record.filename,
                "sha256": record.sha256,
                "created_at": _iso(record.created_at),
            }
            if record is not None
            else None,
        },
        "audit_head": {"seq": head.event_id, "hash": head.hash} if head is not None else None,
    }


def _letter(index: int) -> str:
    """A, B, ..., Z, then AA, AB, ...: the evaluator's letter in the report."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def decision_problems(session: Session, tender: Tender, data: TenderOutcome) -> list[str]:
    """What stands in the way of the award decision (Dutch)."""
    problems = []
    if tender.state not in DECIDABLE_STATES:
        problems.append(f"Een gunningsbeslissing kan niet in status '{tender.state}'.")
    if data.outcome.pending:
        problems.append(
            count_of(len(data.outcome.pending), "inschrijving heeft", "inschrijvingen hebben")
            + " nog geen volledige consensus."
        )
    for lot, bid_ids in data.outcome.unresolved_ties.items():
        codes = ", ".join(data.bid(b).blind_code for b in bid_ids)
        problems.append(
            f"Perceel {lot}: gelijke stand op de grens tussen {codes}; "
            "de loting moet eerst worden vastgelegd."
        )
    problems.extend(evaluation.unchecked_problems(session, tender))
    gaps = undecided_gaps(session, tender, data) if not problems else []
    if gaps:
        problems.append(
            f"Leg eerst een besluit vast voor {count_of(len(gaps), 'tekort', 'tekorten')} "
            "in het dekkend aanbod."
        )
    return problems


def set_objection(
    session: Session, *, tender: Tender, pending: bool, note: str, actor: User, now: datetime
) -> None:
    """Mark (or clear) a pending objection (kort geding): it blocks the definitive award."""
    decision = versions.sent_decision(session, tender)
    if decision is None or tender.state != TenderState.PROVISIONALLY_AWARDED:
        raise AwardError(
            "Een bezwaar kan alleen worden vastgelegd tijdens de opschortende termijn."
        )
    if len(note.strip()) < 10:
        raise AwardError("Beschrijf het bezwaar of de afloop ervan (minstens 10 tekens).")
    decision.objection_pending = pending
    decision.objection_note = note.strip()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="award.objection",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=now,
        details={"aanhangig": pending, "toelichting": note.strip()},
    )


def definitive_problems(decision: AwardDecision | None, tender: Tender, now: datetime) -> list[str]:
    problems = []
    if decision is None or decision.letters_sent_at is None:
        problems.append("De gunningsbeslissingen zijn nog niet verzonden.")
        return problems
    sent_on = to_local(decision.letters_sent_at).date()
    if not standstill_over(sent_on, tender.standstill_days, now):
        problems.append(
            "De opschortende termijn loopt nog tot en met "
            f"{decision.standstill_end:%d-%m-%Y}; definitief gunnen kan daarna."
        )
    if decision.objection_pending:
        problems.append("Er is een bezwaar (kort geding) aanhangig.")
    return problems


def make_definitive(session: Session, *, tender: Tender, actor: User, now: datetime) -> None:
    """Definitive award: only after the standstill and without a pending objection."""
    decision = versions.sent_decision(session, tender)
    problems = definitive_problems(decision, tender, now)
    if problems:
        raise AwardError("Definitief gunnen kan nog niet. " + " ".join(problems))
    assert decision is not None
    lifecycle.transition(session, tender, TenderState.AWARDED, actor=actor, now=now)
    decision.definitive_at = now
    decision.definitive_by_id = actor.id
    session.flush()


def award_report_document(session: Session, tender: Tender) -> Document | None:
    """The award report of the decision in force, once its letters are sent."""
    decision = versions.sent_decision(session, tender)
    if decision is None:
        return None
    return session.scalar(
        select(Document).where(
            Document.decision_id == decision.id, Document.kind == documents.AWARD_REPORT
        )
    )


def awarded_bid_ids(snapshot: dict[str, Any]) -> list[int]:
    return sorted({bid_id for ids in snapshot["awarded"].values() for bid_id in ids})


def total_of(entry: dict[str, Any]) -> Decimal | None:
    return Decimal(entry["total"]) if entry["total"] is not None else None
