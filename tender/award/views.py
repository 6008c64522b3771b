"""The award for the inkoper; the award report for the advisory council; letters
and contracts for the providers they are addressed to."""

from __future__ import annotations

import io
import zipfile

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from tender import audit, clock
from tender.access import get_or_404, load_tender, require
from tender.award import documents as award_documents
from tender.award import jobs, service
from tender.award.outcome import tender_outcome
from tender.db import db_session
from tender.documents import service as documents
from tender.documents.models import Document
from tender.downloads import download
from tender.errors import DomainError
from tender.permissions import Permission
from tender.tenders.forms import EmptyForm
from tender.tenders.models import Tender, TenderState

bp = Blueprint("award", __name__, url_prefix="/aanbestedingen/<int:tender_id>/gunning")
provider_bp = Blueprint("award_documents", __name__)


def _storage():  # type: ignore[no-untyped-def]
    return documents.documents_dir(current_app.instance_path)


def _tender_documents(tender: Tender) -> list[Document]:
    return list(
        db_session().scalars(
            select(Document)
            .where(
                Document.tender_id == tender.id,
                Document.kind.in_(
                    [documents.AWARD_LETTER, documents.AWARD_REPORT, documents.CONTRACT]
                ),
            )
            .order_by(Document.kind, Document.filename)
        )
    )


@bp.route("")
def overview(tender_id: int) -> str:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    decision = service.decision_for(session, tender)
    data = None
    problems: list[str] = []
    if decision is None and tender.state in service.DECIDABLE_STATES:
        data = tender_outcome(session, tender)
        problems = service.decision_problems(session, tender, data)
    now = clock.now()
    return render_template(
        "award/overview.html",
        tender=tender,
        decision=decision,
        data=data,
        problems=problems,
        letters_job=jobs.latest_job(session, tender.id, award_documents.LETTERS),
        contracts_job=jobs.latest_job(session, tender.id, award_documents.CONTRACTS),
        definitive_problems=service.definitive_problems(decision, tender, now)
        if tender.state == TenderState.PROVISIONALLY_AWARDED
        else [],
        documents=_tender_documents(tender),
        button_form=EmptyForm(),
        now=now,
    )


@bp.route("/besluit", methods=["POST"])
def decide(tender_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    if EmptyForm().validate_on_submit():
        try:
            service.decide_award(session, tender=tender, actor=current_user, now=clock.now())
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash(
                "De gunningsbeslissing is vastgelegd. Maak nu de brieven en verzend ze.", "success"
            )
    return redirect(url_for("award.overview", tender_id=tender.id))


def _start(tender: Tender, kind: str) -> None:
    session = db_session()
    decision = service.decision_for(session, tender)
    if decision is None:
        raise service.AwardError("Neem eerst de gunningsbeslissing.")
    now = clock.now()
    steps, finish = award_documents.job_plan(
        kind,
        tender_id=tender.id,
        decision_id=decision.id,
        snapshot=decision.snapshot,
        storage_dir=_storage(),
        actor_id=current_user.id,
        started_at=now,
        config=current_app.config,
        instance_path=current_app.instance_path,
    )
    job = jobs.create_job(
        session, tender_id=tender.id, kind=kind, total=len(steps), actor_id=current_user.id, now=now
    )
    audit.record(
        session,
        actor=current_user,
        action=f"award.{kind}",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=now,
        details={"documenten": len(steps)},
    )
    session.commit()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("DOCUMENT_JOBS_INLINE"):
        jobs.run(app.extensions["tender.sessionmaker"], job.id, steps, finish)
    else:
        jobs.start_in_background(app, job.id, steps, finish)


@bp.route("/brieven", methods=["POST"])
def send_letters(tender_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    if EmptyForm().validate_on_submit():
        decision = service.decision_for(db_session(), tender)
        try:
            if decision is not None and decision.letters_sent_at is not None:
                raise service.AwardError("De gunningsbeslissingen zijn al verzonden.")
            _start(tender, award_documents.LETTERS)
        except DomainError as error:
            db_session().rollback()
            flash(str(error), "error")
        else:
            flash(
                "De brieven worden gemaakt. Zodra alles klaar is, worden ze tegelijk aan alle "
                "inschrijvers verzonden.",
                "success",
            )
    return redirect(url_for("award.overview", tender_id=tender.id))


@bp.route("/bezwaar", methods=["POST"])
def objection(tender_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    if EmptyForm().validate_on_submit():
        session = db_session()
        try:
            service.set_objection(
                session,
                tender=tender,
                pending=request.form.get("pending") == "ja",
                note=request.form.get("note", ""),
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash("Het bezwaar is vastgelegd.", "success")
    return redirect(url_for("award.overview", tender_id=tender.id))


@bp.route("/definitief", methods=["POST"])
def definitive(tender_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    if EmptyForm().validate_on_submit():
        session = db_session()
        try:
            service.make_definitive(session, tender=tender, actor=current_user, now=clock.now())
            session.commit()
            _start(tender, award_documents.CONTRACTS)
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            flash("Definitief gegund. De raamovereenkomsten worden gemaakt.", "success")
    return redirect(url_for("award.overview", tender_id=tender.id))


@bp.route("/voortgang.json")
def progress(tender_id: int) -> Response:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    result = {}
    for kind in (award_documents.LETTERS, award_documents.CONTRACTS):
        job = jobs.latest_job(session, tender.id, kind)
        if job is not None:
            result[kind] = {"status": job.status, "done": job.done, "total": job.total}
    return jsonify(result)


def _document_of(tender: Tender, document_id: int) -> Document:
    document = get_or_404(Document, document_id)
    if document.tender_id != tender.id:
        abort(404)
    return document


def _download(document: Document) -> Response:
    return download(documents.read_document(document, storage_dir=_storage()), document.filename)


@bp.route("/documenten/<int:document_id>")
def document(tender_id: int, document_id: int) -> Response:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    return _download(_document_of(tender, document_id))


@bp.route("/documenten.zip")
def zip_all(tender_id: int) -> Response:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    name = f"gunningsdocumenten-{tender.reference}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in _tender_documents(tender):
            archive.writestr(item.filename, documents.read_document(item, storage_dir=_storage()))
    return download(buffer.getvalue(), name, "application/zip")


@bp.route("/rapport")
def report(tender_id: int) -> Response:
    tender = load_tender(tender_id, Permission.AWARD_REPORT_READ)
    item = db_session().scalar(
        select(Document).where(
            Document.tender_id == tender.id, Document.kind == documents.AWARD_REPORT
        )
    )
    if item is None or service.decision_for(db_session(), tender) is None:
        abort(404)
    return _download(item)


@provider_bp.route("/mijn-documenten/<int:document_id>")
def own_document(document_id: int) -> Response:
    require(Permission.AWARD_LETTER_READ)
    item = get_or_404(Document, document_id)
    bid = award_documents.bid_of(db_session(), item)
    if (
        bid is None
        or bid.organisation_id != current_user.organisation_id
        or item.released_at is None
        or item.kind not in (documents.AWARD_LETTER, documents.CONTRACT)
    ):
        abort(404)
    return _download(item)
