"""The dossier pages: the inkoper makes the complete file or a bidder's inzage; a
provider makes and downloads its own inzage dossier once its award letter was sent.

Making a dossier is a POST that starts a background job (or hands out the dossier made
before for the same moment); the page shows its progress. A download is a GET that
records ``dossier.download`` in the audit trail, like other reads of bid content.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.wrappers import Response
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from tender import audit, clock, jobqueue
from tender.access import get_or_404, load_bid, load_tender, require
from tender.award import jobs
from tender.award.models import DocumentJob
from tender.bids.models import Bid
from tender.db import db_session
from tender.documents.service import documents_dir
from tender.dossier import build
from tender.dossier.models import Dossier
from tender.downloads import download
from tender.errors import DomainError
from tender.evaluation.service import received_bids
from tender.permissions import Permission, bids_sealed, can
from tender.tenders.forms import EmptyForm
from tender.tenders.models import Tender

bp = Blueprint("dossier", __name__, url_prefix="/aanbestedingen/<int:tender_id>/dossier")
own_bp = Blueprint("own_dossier", __name__, url_prefix="/aanbieder/inzagedossier")
ZIP = "application/zip"


def _storage() -> Path:
    return documents_dir(current_app.instance_path)


def _bidders(tender: Tender) -> list[Bid]:
    """The bids an inkoper may make an inzage dossier of: received, after the opening."""
    if bids_sealed(tender):
        return []
    return sorted(received_bids(db_session(), tender), key=lambda bid: bid.blind_number or 0)


def _start(tender: Tender, bid: Bid | None) -> None:
    """Hand out the dossier made before for this moment, or start (or resume) its job."""
    session = db_session()
    try:
        started = build.start(
            session,
            tender=tender,
            bid=bid,
            storage_dir=_storage(),
            actor=current_user,
            now=clock.now(),
        )
    except DomainError as error:
        session.rollback()
        flash(str(error), "error")
        return
    session.commit()
    if started.dossier is not None:
        flash(
            "Er is sinds het vorige dossier niets veranderd: dat dossier staat hieronder klaar.",
            "success",
        )
        return
    assert started.job_id is not None and started.finish is not None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    jobqueue.dispatch(app, started.job_id, started.steps, started.finish)
    flash("Het dossier wordt gemaakt; de voortgang staat hieronder.", "success")


def _download(dossier: Dossier) -> Response:
    """The stored ZIP; the read is recorded (a dossier holds bid content)."""
    content = build.read(dossier, storage_dir=_storage())
    session = db_session()
    audit.record(
        session,
        actor=current_user,
        action=build.DOWNLOADED,
        object_type="dossier",
        object_id=dossier.id,
        tender_id=dossier.tender_id,
        now=clock.now(),
        details={"inschrijving": dossier.bid_id, "sha256": dossier.sha256},
    )
    session.commit()
    return download(content, dossier.filename, ZIP)


def _tender_jobs(tender: Tender, bids: list[Bid]) -> dict[str, DocumentJob | None]:
    session = db_session()
    kinds = [build.job_kind(None), *(build.job_kind(bid.id) for bid in bids)]
    return {kind: jobs.latest_job(session, tender.id, kind) for kind in kinds}


@bp.route("")
def overview(tender_id: int) -> str:
    tender = load_tender(tender_id, Permission.DOSSIER_MANAGE)
    session = db_session()
    bids = _bidders(tender)
    now = clock.now()
    running = [
        (job, jobs.shown_status(job, now))
        for job in _tender_jobs(tender, bids).values()
        if job is not None and job.status != jobs.DONE
    ]
    return render_template(
        "dossier/overview.html",
        tender=tender,
        bids=bids,
        bid_names={bid.id: f"{bid.blind_code}: {bid.organisation.name}" for bid in bids},
        running=running,
        dossiers=build.dossiers_of(session, tender),
        sealed=bids_sealed(tender),
        form=EmptyForm(),
    )


@bp.route("/maken", methods=["POST"])
def make(tender_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.DOSSIER_MANAGE)
    if not EmptyForm().validate_on_submit():
        flash("Het formulier is verlopen; probeer het opnieuw.", "error")
        return redirect(url_for("dossier.overview", tender_id=tender.id))
    chosen = request.form.get("bidder", "").strip()
    bid = None
    if chosen:
        bid = next((b for b in _bidders(tender) if str(b.id) == chosen), None)
        if bid is None:
            flash("Kies een inschrijver uit de lijst, of ‘volledig dossier’.", "error")
            return redirect(url_for("dossier.overview", tender_id=tender.id))
    _start(tender, bid)
    return redirect(url_for("dossier.overview", tender_id=tender.id))


@bp.route("/voortgang.json")
def progress(tender_id: int) -> Response:
    tender = load_tender(tender_id, Permission.DOSSIER_MANAGE)
    now = clock.now()
    result = {
        kind: build.progress(job, now)
        for kind, job in _tender_jobs(tender, _bidders(tender)).items()
        if job is not None
    }
    return jsonify(result)


@bp.route("/<int:dossier_id>.zip")
def download_dossier(tender_id: int, dossier_id: int) -> Response:
    tender = load_tender(tender_id, Permission.DOSSIER_MANAGE)
    dossier = get_or_404(Dossier, dossier_id)
    if dossier.tender_id != tender.id:
        abort(404)
    return _download(dossier)


def _offered(bid: Bid) -> None:
    """A provider's inzage exists only once its award letter was sent."""
    if not build.letter_released(db_session(), bid):
        abort(404)


@own_bp.route("/<int:bid_id>/maken", methods=["POST"])
def make_own(bid_id: int) -> WerkzeugResponse:
    bid = load_bid(bid_id, Permission.DOSSIER_OWN)
    _offered(bid)
    if EmptyForm().validate_on_submit():
        _start(bid.tender, bid)
    else:
        flash("Het formulier is verlopen; probeer het opnieuw.", "error")
    return redirect(url_for("portal.provider_home", _anchor="inzagedossier"))


@own_bp.route("/voortgang.json")
def own_progress() -> Response:
    require(Permission.DOSSIER_OWN)
    now = clock.now()
    result = {
        build.job_kind(offer.bid.id): build.progress(offer.job, now)
        for offer in build.offers(db_session(), current_user.organisation_id, now)
        if offer.job is not None
    }
    return jsonify(result)


@own_bp.route("/<int:dossier_id>.zip")
def download_own(dossier_id: int) -> Response:
    require(Permission.DOSSIER_OWN)
    session = db_session()
    dossier = get_or_404(Dossier, dossier_id)
    bid = session.get(Bid, dossier.bid_id) if dossier.bid_id is not None else None
    if bid is None or not can(current_user, Permission.DOSSIER_OWN, bid, clock.now()):
        abort(404)
    _offered(bid)
    return _download(dossier)
