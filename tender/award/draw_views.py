"""The page of a draw by lot: the tie, the form that records the draw, the record."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import DateField, StringField, TextAreaField, TimeField
from wtforms.validators import Length, Optional

from tender import clock
from tender.access import load_tender
from tender.accounts.models import User
from tender.award import draws
from tender.award.models import TieDraw
from tender.award.outcome import TenderOutcome, tender_outcome
from tender.award.service import DECIDABLE_STATES, decision_for
from tender.db import db_session
from tender.evaluation.service import READING_STATES
from tender.forms import MomentsForm
from tender.permissions import Permission
from tender.tenders.models import Lot, Tender

bp = Blueprint("award_draw", __name__, url_prefix="/aanbestedingen/<int:tender_id>/gunning/loting")

METHOD_EXAMPLE = (
    "Genummerde loten in een gesloten doos, getrokken door de notaris; het eerst "
    "getrokken nummer krijgt plaats 1."
)


class DrawForm(MomentsForm):
    method = TextAreaField(
        "Hoe is er geloot?",
        description="Wat voor loten, waarin, hoe ze werden gehusseld en getrokken.",
        validators=[Optional(), Length(max=4000, message="Hoogstens 4000 tekens.")],
        render_kw={"rows": 3, "placeholder": METHOD_EXAMPLE},
    )
    drawn_by = StringField(
        "Getrokken door",
        description="De naam (en functie) van wie de loten trok.",
        validators=[Optional(), Length(max=draws.MAX_NAME_LENGTH, message="Hoogstens 200 tekens.")],
        render_kw={"autocomplete": "off"},
    )
    witnesses = TextAreaField(
        "Getuigen",
        description="Eén naam per regel: wie erbij waren, naast wie de loten trok.",
        validators=[Optional(), Length(max=2000, message="Hoogstens 2000 tekens.")],
        render_kw={"rows": 3},
    )
    drawn_at_date = DateField("Datum van de loting", validators=[Optional()], format="%Y-%m-%d")
    drawn_at_time = TimeField("Tijd (Nederlandse tijd)", validators=[Optional()])
    note = TextAreaField(
        "Opmerking (niet verplicht)",
        validators=[Optional(), Length(max=4000, message="Hoogstens 4000 tekens.")],
        render_kw={"rows": 2},
    )

    MOMENTS = ("drawn_at",)


# Where each kind of refusal is shown on the form.
FIELD_OF = {
    draws.METHOD: "method",
    draws.DRAWN_BY: "drawn_by",
    draws.WITNESSES: "witnesses",
    draws.DRAWN_AT: "drawn_at_date",
}


def _lot(tender: Tender, lot_code: str) -> Lot:
    lot = next((lot for lot in tender.lots if lot.code == lot_code), None)
    if lot is None:
        abort(404)
    return lot


def _tie(data: TenderOutcome, tied: tuple[int, ...]) -> list[dict[str, Any]]:
    """The tied bids as the page shows them: blind code, total, score per criterion."""
    rows = []
    for bid_id in tied:
        result = data.outcome.for_bid(bid_id)
        rows.append(
            {
                "bid_id": bid_id,
                "blind_code": data.bid(bid_id).blind_code,
                "total": result.evaluation.total,
                "scores": dict(data.results[bid_id].scores),
            }
        )
    return rows


def _recorder(session: Session, draw: TieDraw | None) -> str:
    user = session.get(User, draw.recorded_by_id) if draw is not None else None
    return user.name if user is not None else ""


def _page(
    tender: Tender,
    lot: Lot,
    form: DrawForm,
    *,
    places: dict[int, str] | None = None,
    problems: list[draws.DrawProblem] | None = None,
) -> str:
    """The page; ``places`` and ``problems`` show a refused draw again as typed."""
    session = db_session()
    data = tied = None
    if tender.state in READING_STATES:
        data = tender_outcome(session, tender, draw_order={})
        tied = tuple(data.outcome.unresolved_ties.get(lot.code, ()))
    draw = draws.draw_for(session, tender, lot.code)
    open_for_draw = (
        tender.state in DECIDABLE_STATES and decision_for(session, tender) is None and bool(tied)
    )
    # Without a computed tie (tender past the award) the recorded draw stands.
    applies = draw is not None and (tied is None or draws.draw_applies(draw, tied))
    labels = {b.bid_id: b.blind_code for b in data.bids} if data is not None else {}
    return render_template(
        "award/draw.html",
        tender=tender,
        lot=lot,
        tie=_tie(data, tied) if data is not None and tied else [],
        criteria=[c.code for c in tender.criteria],
        draw=draw if applies else None,
        stale_draw=draw if draw is not None and not applies else None,
        drawn_codes=[labels.get(bid_id, str(bid_id)) for bid_id in draw.drawn_order]
        if draw is not None
        else [],
        recorded_by=_recorder(session, draw),
        show_form=open_for_draw and not applies,
        form=form,
        places=places or {},
        place_errors=[p.text for p in problems or [] if p.field == draws.PLACES],
        general_errors=[p.text for p in problems or [] if p.field == ""],
    )


@bp.route("/<lot_code>")
def show(tender_id: int, lot_code: str) -> str:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    return _page(tender, _lot(tender, lot_code), DrawForm(formdata=None))


def _typed_places() -> tuple[dict[int, str], dict[int, int | None]]:
    """The places as typed (to show again) and as numbers (None where not a whole number)."""
    typed = {
        int(key.removeprefix("plaats-")): value.strip()
        for key, value in request.form.items()
        if key.startswith("plaats-") and key.removeprefix("plaats-").isdigit()
    }
    numbers = {
        bid_id: int(value) if value.lstrip("-").isdigit() else None
        for bid_id, value in typed.items()
    }
    return typed, numbers


@bp.route("/<lot_code>", methods=["POST"])
def record(tender_id: int, lot_code: str) -> str | WerkzeugResponse:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    lot = _lot(tender, lot_code)
    form = DrawForm()
    typed, places = _typed_places()
    if not form.validate_on_submit():
        return _page(tender, lot, form, places=typed)
    session = db_session()
    try:
        draws.record_draw(
            session,
            tender=tender,
            lot_code=lot.code,
            places=places,
            method=form.method.data or "",
            drawn_by=form.drawn_by.data or "",
            witnesses=(form.witnesses.data or "").splitlines(),
            drawn_at=form.moment("drawn_at"),
            note=form.note.data or "",
            actor=current_user,
            now=clock.now(),
        )
    except draws.DrawRefused as refusal:
        session.rollback()
        for problem in refusal.problems:
            if problem.field in FIELD_OF:
                field = form[FIELD_OF[problem.field]]
                field.errors = [*field.errors, problem.text]
        return _page(tender, lot, form, places=typed, problems=list(refusal.problems))
    session.commit()
    flash(f"De loting in perceel {lot.code} is vastgelegd.", "success")
    return redirect(url_for("award_draw.show", tender_id=tender.id, lot_code=lot.code))
