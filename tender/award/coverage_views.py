"""The coverage page (dekkend aanbod) and the inkoper's decisions on its gaps."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from tender import clock, coverage
from tender.access import load_tender
from tender.accounts.models import User
from tender.award import gaps
from tender.award import service as award
from tender.award.coverage_data import tender_coverage
from tender.award.coverage_forms import GapDecisionForm
from tender.db import db_session
from tender.errors import DomainError
from tender.evaluation.service import READING_STATES
from tender.permissions import Permission, can
from tender.tenders.models import Lot, Municipality, TargetGroup, Tender

bp = Blueprint("coverage", __name__, url_prefix="/aanbestedingen/<int:tender_id>/dekking")


def _page(tender: Tender, failed: GapDecisionForm | None = None) -> str:
    """The page; ``failed`` is a gap form to show again with its errors and text.

    Who is behind the numbers (names, reasons, networks by name) reaches the page
    only for those who may see it; the others get the matrix as counts.
    """
    session = db_session()
    now = clock.now()
    detail = can(current_user, Permission.COVERAGE_DETAIL, tender, now)
    context: dict[str, Any] = {"tender": tender, "lots": None, "detail": detail, "failed": None}
    if tender.state in READING_STATES:
        checked = tender_coverage(session, tender)
        decisions = gaps.gap_decisions(session, tender)
        deciders = {
            user.id: user.name
            for user in session.scalars(
                select(User).where(User.id.in_({d.decided_by_id for d in decisions.values()}))
            )
        }
        found = checked.gaps
        context.update(
            lots=checked.report.lots if detail else coverage.count_matrix(checked.report).lots,
            gaps_by_lot={
                lot.code: [gap for gap in found if gap.lot == lot.code]
                for lot in checked.report.lots
            },
            gap_count=len(found),
            undecided_count=sum(gap.key not in decisions for gap in found),
            fragile_count=sum(len(lot.fragile_cells) for lot in checked.report.lots),
            decisions=decisions,
            deciders=deciders,
            refusal=gaps.decision_refusal(session, tender),
            may_decide=can(current_user, Permission.GAP_DECIDE, tender, now),
            pending=len(checked.data.outcome.pending),
            unresolved_ties=sorted(checked.data.outcome.unresolved_ties),
            award_report=award.award_report_document(session, tender)
            if can(current_user, Permission.AWARD_REPORT_READ, tender, now)
            else None,
        )
    if failed is not None:
        context["failed"] = {
            "key": (failed.lot.data, failed.municipality.data, failed.target_group.data or None),
            "text": failed.decision.data or "",
            "errors": [error for field in failed for error in field.errors],
        }
    return render_template("award/coverage.html", **context)


@bp.route("")
def show(tender_id: int) -> str:
    tender = load_tender(tender_id, Permission.COVERAGE_READ)
    return _page(tender)


def _cell_of(
    tender: Tender, form: GapDecisionForm
) -> tuple[Lot, Municipality, TargetGroup | None] | None:
    """The lot, municipality and target group the form's codes name, or None."""
    lot = next((lot for lot in tender.lots if lot.code == form.lot.data), None)
    if lot is None:
        return None
    municipality = next((m for m in lot.municipalities if m.code == form.municipality.data), None)
    group = next((g for g in lot.target_groups if g.code == form.target_group.data), None)
    if municipality is None or (form.target_group.data and group is None):
        return None
    return lot, municipality, group


@bp.route("/besluit", methods=["POST"])
def decide_gap(tender_id: int) -> str | WerkzeugResponse:
    tender = load_tender(tender_id, Permission.GAP_DECIDE)
    form = GapDecisionForm()
    if not form.validate_on_submit():
        return _page(tender, failed=form)
    cell = _cell_of(tender, form)
    if cell is None:
        flash("Onbekend perceel, gemeente of doelgroep.", "error")
        return redirect(url_for("coverage.show", tender_id=tender.id))
    lot, municipality, group = cell
    session = db_session()
    try:
        gaps.record_gap_decision(
            session,
            tender=tender,
            lot=lot,
            municipality=municipality,
            target_group=group,
            decision=form.decision.data,
            actor=current_user,
            now=clock.now(),
        )
    except DomainError as error:
        session.rollback()
        form.decision.errors = [str(error)]
        return _page(tender, failed=form)
    session.commit()
    where = f"{municipality.name}, {group.name}" if group else f"netwerk {municipality.name}"
    flash(f"Het besluit over het tekort (perceel {lot.code}, {where}) is vastgelegd.", "success")
    slug = coverage.gap_slug(lot.code, municipality.code, group.code if group else None)
    return redirect(url_for("coverage.show", tender_id=tender.id, _anchor=f"tekort-{slug}"))
