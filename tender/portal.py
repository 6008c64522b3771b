"""The start page: each role lands where its work is."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from tender import clock
from tender.access import require
from tender.accounts.models import Role
from tender.award import documents as award_documents
from tender.bids import service as bids_service
from tender.db import db_session
from tender.dossier import build as dossiers
from tender.evaluation.models import CommitteeMember
from tender.permissions import Permission
from tender.tenders import schedule
from tender.tenders.forms import EmptyForm
from tender.tenders.models import Tender, TenderState

bp = Blueprint("portal", __name__)

_LANDING = {
    Role.PROCUREMENT_OFFICER: "tenders.index",
    Role.ADVISORY_COUNCIL: "tenders.index",
    Role.ADMINISTRATOR: "admin.users",
    Role.PROVIDER: "portal.provider_home",
    Role.EVALUATOR: "portal.evaluator_home",
}


@bp.route("/")
@login_required
def home():  # type: ignore[no-untyped-def]
    # An account without a role yet (waiting for confirmation) lands on its account page.
    return redirect(url_for(_LANDING.get(current_user.role, "accounts.my_account")))


@bp.route("/aanbieder")
def provider_home():  # type: ignore[no-untyped-def]
    require(Permission.PROVIDER_PORTAL)
    now = clock.now()
    tenders = (
        db_session()
        .scalars(
            select(Tender)
            .where(Tender.state == TenderState.PUBLISHED, Tender.submission_deadline > now)
            .order_by(Tender.submission_deadline)
        )
        .all()
    )
    session = db_session()
    bids = bids_service.organisation_bids(session, current_user.organisation_id)
    open_ids = {tender.id for tender in tenders}
    return render_template(
        "portal/provider.html",
        tenders=tenders,
        bids=bids,
        closed_bids=[bid for tender_id, bid in bids.items() if tender_id not in open_ids],
        award_documents=award_documents.released_for(session, current_user.organisation_id),
        dossier_offers=dossiers.offers(session, current_user.organisation_id, now),
        button_form=EmptyForm(),
        organisation=current_user.organisation,
        schedule_changes=schedule.latest_changes(session, sorted(open_ids)),
        now=now,
    )


@bp.route("/beoordelaar")
def evaluator_home():  # type: ignore[no-untyped-def]
    require(Permission.EVALUATOR_PORTAL)
    memberships = (
        db_session()
        .scalars(
            select(CommitteeMember)
            .where(CommitteeMember.user_id == current_user.id, CommitteeMember.removed_at.is_(None))
            .join(CommitteeMember.tender)
            .order_by(Tender.created_at.desc())
        )
        .all()
    )
    return render_template("portal/evaluator.html", memberships=memberships)
