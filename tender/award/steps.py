"""The award decision in four steps, and its revision (DOMAIN.md section 4).

1. *Gunningsadvies*: an inkoper freezes the outcome (scores, coverage, gap
   decisions, draws) into a new version's snapshot; every document can be made
   as CONCEPT from it.
2. *Goedkeuring*: a second inkoper (four eyes, ``roles.four_eyes_problem``)
   approves it or sends it back with a reason; the preparer then revises
   (gap decisions, draws) and prepares the same version again.
3. *Besluit*: the decision date, the body that took it, its mandate and the
   signatory (from the tender settings) are recorded.
4. *Verzending*: once the approver has previewed the letters, they are made,
   frozen and released at one moment (``release_letters``, at the end of the job);
   the standstill starts.

A sent decision can be withdrawn with a reason (``withdraw_decision``): the
tender returns to the evaluation, chosen consensus scores can be reopened, and a
new version replaces the old one, with new letters and a new standstill.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tender import audit
from tender.accounts import roles
from tender.accounts.models import User
from tender.award import strengths, versions
from tender.award.models import AwardDecision, DecisionStatus
from tender.award.outcome import tender_outcome
from tender.award.service import (
    DECIDABLE_STATES,
    AwardError,
    build_snapshot,
    decision_problems,
)
from tender.award.standstill import standstill_end
from tender.tenders import lifecycle
from tender.tenders.models import Tender, TenderState
from tender.timefmt import to_local

S = DecisionStatus
MINIMUM_REASON = 10


def _record(
    session: Session,
    *,
    actor: User,
    action: str,
    decision: AwardDecision,
    now: datetime,
    **details: Any,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="award_decision",
        object_id=decision.id,
        tender_id=decision.tender_id,
        now=now,
        details={"versie": decision.version, **details},
    )


def _reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if len(reason) < MINIMUM_REASON:
        raise AwardError(f"Geef {what} (minstens {MINIMUM_REASON} tekens).")
    return reason


def _expect(decision: AwardDecision, status: DecisionStatus, what: str) -> None:
    if decision.status != status:
        raise AwardError(
            f"{what} kan niet: versie {decision.version} van de gunningsbeslissing heeft "
            f"status '{decision.status}'."
        )


def _date_problems(tender: Tender, sent_on: date) -> list[str]:
    from tender.tenders import dates

    return dates.decision_date_problems(tender, sent_on)


# -- 1. gunningsadvies ------------------------------------------------------------------


def prepare_advice(
    session: Session, *, tender: Tender, actor: User, now: datetime
) -> AwardDecision:
    """Freeze the outcome into an advice: a new version, or the one sent back, again."""
    current = versions.open_decision(session, tender)
    if current is not None and current.status != S.RETURNED:
        raise AwardError(
            f"Er is al een gunningsbeslissing in behandeling (versie {current.version}, "
            f"status '{current.status}')."
        )
    if tender.state not in DECIDABLE_STATES:
        raise AwardError(f"Een gunningsadvies kan niet in status '{tender.state}'.")
    data = tender_outcome(session, tender)
    problems = decision_problems(session, tender, data)
    if problems:
        raise AwardError("Het gunningsadvies kan nog niet worden opgesteld. " + " ".join(problems))
    snapshot = build_snapshot(session, data, now=now)
    if current is None:
        latest = session.scalar(
            select(func.max(AwardDecision.version)).where(AwardDecision.tender_id == tender.id)
        )
        replaced = versions.replaced_decision(session, tender)
        current = AwardDecision(
            tender=tender,
            version=(latest or 0) + 1,
            returns=[],
            replaces_id=replaced.id if replaced is not None else None,
        )
        session.add(current)
    current.status = S.ADVICE
    current.snapshot = snapshot
    # Edited texts of bids that are still winners stay; the winners may have
    # changed, so the texts are confirmed again.
    current.strengths = strengths.drafts(snapshot, kept=current.strengths)
    current.strengths_confirmed_at = None
    current.strengths_confirmed_by_id = None
    current.prepared_at = now
    current.prepared_by_id = actor.id
    session.flush()
    _record(
        session,
        actor=actor,
        action="award.advice",
        decision=current,
        now=now,
        gegund=snapshot["awarded"],
        vervangt=current.replaces.version if current.replaces is not None else None,
    )
    return current


# -- 2. goedkeuring ---------------------------------------------------------------------


def review_problem(session: Session, decision: AwardDecision, actor: User) -> str | None:
    """Why ``actor`` may not review this advice (Dutch), or None."""
    problem = roles.four_eyes_problem(session, first_id=decision.prepared_by_id, second=actor)
    if problem is not None:
        return (
            "Het gunningsadvies moet worden beoordeeld door een andere inkoper dan wie het "
            f"opstelde. {problem}"
        )
    return None


def review_advice(
    session: Session,
    *,
    decision: AwardDecision,
    approve: bool,
    reason: str,
    actor: User,
    now: datetime,
) -> None:
    """A second inkoper approves the advice, or sends it back with a reason."""
    _expect(decision, S.ADVICE, "Beoordelen")
    if problem := review_problem(session, decision, actor):
        raise AwardError(problem)
    if approve:
        if problem := strengths.problem(decision):
            raise AwardError(problem)
        decision.status = S.APPROVED
        decision.approved_at = now
        decision.approved_by_id = actor.id
        session.flush()
        _record(session, actor=actor, action="award.approve", decision=decision, now=now)
        return
    reason = _reason(reason, "de reden waarom het advies wordt teruggestuurd")
    decision.status = S.RETURNED
    decision.returns = [
        *decision.returns,
        {"at": now.isoformat(), "by": f"{actor.name} ({actor.email})", "reason": reason},
    ]
    session.flush()
    _record(session, actor=actor, action="award.return", decision=decision, now=now, reden=reason)


# -- 3. besluit -------------------------------------------------------------------------


def record_decision(
    session: Session,
    *,
    decision: AwardDecision,
    decided_on: date | None,
    body: str,
    mandate: str,
    actor: User,
    now: datetime,
) -> None:
    """Record the decision: its date, the body that took it, its mandate, the signatory."""
    _expect(decision, S.APPROVED, "Het besluit vastleggen")
    tender = decision.tender
    today = to_local(now).date()
    problems = []
    if decided_on is None:
        problems.append("Vul de datum van het besluit in.")
    elif decided_on > today:
        problems.append("De datum van het besluit ligt in de toekomst.")
    elif decision.approved_at is not None and decided_on < to_local(decision.approved_at).date():
        problems.append("Het besluit kan niet zijn genomen vóór de goedkeuring van het advies.")
    if len(body.strip()) < 3:
        problems.append("Vul in welk orgaan het besluit nam (bijv. het college van B&W).")
    if len(mandate.strip()) < 3:
        problems.append("Vul het mandaat in (bijv. 'namens de regio').")
    if not tender.signatory_name.strip() or not tender.signatory_function.strip():
        problems.append(
            "Leg eerst de ondertekenaar (naam en functie) vast bij de instellingen van de "
            "aanbesteding."
        )
    problems += _date_problems(tender, today)
    if problems:
        raise AwardError(" ".join(problems))
    assert decided_on is not None
    decision.status = S.DECIDED
    decision.decided_on = decided_on
    decision.deciding_body = body.strip()
    decision.mandate = mandate.strip()
    decision.signatory_name = tender.signatory_name.strip()
    decision.signatory_function = tender.signatory_function.strip()
    decision.decided_at = now
    decision.decided_by_id = actor.id
    session.flush()
    _record(
        session,
        actor=actor,
        action="award.decide",
        decision=decision,
        now=now,
        besluitdatum=decided_on.isoformat(),
        orgaan=decision.deciding_body,
        mandaat=decision.mandate,
        ondertekenaar=f"{decision.signatory_name}, {decision.signatory_function}",
    )


# -- 4. verzending ----------------------------------------------------------------------


def record_preview(
    session: Session, *, decision: AwardDecision, actor: User, now: datetime
) -> bool:
    """Note that the approver has previewed the letters (the first time counts)."""
    if decision.status != S.DECIDED or decision.approved_by_id != actor.id:
        return False
    if decision.previewed_at is None:
        decision.previewed_at = now
        decision.previewed_by_id = actor.id
        session.flush()
        _record(
            session,
            actor=actor,
            action="award.preview",
            decision=decision,
            now=now,
            brieven=letter_count(decision),
        )
    return True


def letter_count(decision: AwardDecision) -> int:
    return len(decision.snapshot["bids"])


def sending_standstill_end(decision: AwardDecision, now: datetime) -> date:
    """The standstill's last day if the letters go out today."""
    return standstill_end(to_local(now).date(), decision.tender.standstill_days)


def sending_problems(decision: AwardDecision, now: datetime) -> list[str]:
    """What stands between this decision and sending its letters (Dutch)."""
    if decision.status != S.DECIDED:
        return [f"Versie {decision.version} heeft status '{decision.status}'."]
    problems = []
    if decision.previewed_at is None:
        problems.append(
            "De inkoper die het advies goedkeurde moet de brieven eerst bekijken "
            "(voorbeeld op deze pagina)."
        )
    problems += _date_problems(decision.tender, to_local(now).date())
    return problems


def confirm_sending(
    decision: AwardDecision, *, letters: int | None, standstill: str, now: datetime
) -> None:
    """Refuse unless the confirmation names today's letter count and standstill end."""
    if problems := sending_problems(decision, now):
        raise AwardError(" ".join(problems))
    end = sending_standstill_end(decision, now)
    if letters != letter_count(decision) or standstill != end.isoformat():
        raise AwardError(
            "De bevestiging klopt niet (meer) met het aantal brieven of de einddatum van de "
            "opschortende termijn. Bekijk de gegevens en bevestig opnieuw."
        )


def release_letters(
    session: Session, *, decision: AwardDecision, actor: User, now: datetime
) -> AwardDecision:
    """Send every letter of this version at one moment; the standstill starts the next day."""
    _expect(decision, S.DECIDED, "Verzenden")
    tender = decision.tender
    decision.status = S.SENT
    decision.letters_sent_at = now
    decision.standstill_end = sending_standstill_end(decision, now)
    lifecycle.transition(
        session,
        tender,
        TenderState.PROVISIONALLY_AWARDED,
        actor=actor,
        now=now,
        details={
            "versie": decision.version,
            "opschortende_termijn_tot_en_met": decision.standstill_end.isoformat(),
        },
    )
    session.flush()
    return decision


# -- revision ---------------------------------------------------------------------------


def withdraw_decision(
    session: Session, *, decision: AwardDecision, reason: str, actor: User, now: datetime
) -> None:
    """Withdraw a version (intrekking) with a reason; a sent one reopens the evaluation.

    Its letters stay with their recipients, shown as withdrawn on this date.
    """
    if decision.status == S.WITHDRAWN:
        raise AwardError(f"Versie {decision.version} is al ingetrokken.")
    tender = decision.tender
    if tender.state not in (*DECIDABLE_STATES, TenderState.PROVISIONALLY_AWARDED):
        raise AwardError(f"Intrekken kan niet meer: de aanbesteding heeft status '{tender.state}'.")
    reason = _reason(reason, "de reden van intrekking")
    was_sent = decision.status == S.SENT
    decision.status = S.WITHDRAWN
    decision.withdrawn_at = now
    decision.withdrawn_by_id = actor.id
    decision.withdrawal_reason = reason
    decision.objection_pending = False
    if was_sent:
        lifecycle.transition(
            session,
            tender,
            TenderState.OPENED,
            actor=actor,
            now=now,
            details={"gunningsbeslissing_ingetrokken": decision.version, "reden": reason},
        )
    session.flush()
    _record(
        session,
        actor=actor,
        action="award.withdraw",
        decision=decision,
        now=now,
        reden=reason,
        verzonden=was_sent,
    )
