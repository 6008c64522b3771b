"""Tender set-up for the inkoper; read-only set-up for the other roles."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from tender import PROJECT_ROOT, clock, ocds, refused_hits, timefmt
from tender import audit_trail as trail
from tender.access import load_tender, require
from tender.audit import ACTION_LABELS
from tender.award import service as award
from tender.bids import service as bids
from tender.criteria import CriteriaError, load_criteria_text
from tender.db import db_session
from tender.documents import service as documents
from tender.documents.models import Document
from tender.downloads import download
from tender.errors import DomainError
from tender.forms import ConfirmForm
from tender.permissions import Permission, bids_sealed, can
from tender.tenders import publication, service
from tender.tenders import schedule as schedule_changes
from tender.tenders.forms import (
    MAX_CRITERIA_BYTES,
    AuditFilterForm,
    CreateTenderForm,
    CriteriaUploadRefused,
    EmptyForm,
    ReplaceConfigurationForm,
    ScheduleForm,
    SignatoryForm,
    WithdrawForm,
    criteria_upload,
)
from tender.tenders.models import Lot, Tender, TenderState

bp = Blueprint("tenders", __name__, url_prefix="/aanbestedingen")


def criteria_dir() -> Path:
    return Path(current_app.config.get("CRITERIA_DIR") or PROJECT_ROOT / "criteria")


def _read_upload(storage) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    """(filename, text) of an uploaded criteria file; flashes and returns None when unusable."""
    try:
        return criteria_upload(storage.filename, storage.read(MAX_CRITERIA_BYTES + 1))
    except CriteriaUploadRefused as error:
        flash(str(error), "error")
        return None


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    require(Permission.TENDER_LIST)
    query = select(Tender).order_by(Tender.created_at.desc())
    if current_user.role != "inkoper":
        query = query.where(Tender.state != TenderState.CONCEPT)
    tenders = db_session().scalars(query).all()
    return render_template("tenders/index.html", tenders=tenders)


@bp.route("/nieuw", methods=["GET", "POST"])
def create():  # type: ignore[no-untyped-def]
    require(Permission.TENDER_CREATE)
    form = CreateTenderForm()
    available = sorted(path.name for path in criteria_dir().glob("*.toml"))
    form.criteria_file.choices = [SelectChoice("", "— kies een bestand —")] + [
        SelectChoice(name) for name in available
    ]
    errors: list[str] = []
    if form.validate_on_submit():
        source: tuple[str, str] | None = None
        if form.upload.data and form.upload.data.filename:
            source = _read_upload(form.upload.data)
        elif form.criteria_file.data in available:
            path = criteria_dir() / form.criteria_file.data
            source = (path.name, path.read_text(encoding="utf-8"))
        else:
            form.criteria_file.errors = ["Kies een criteriabestand of upload er een."]
        if source is not None:
            filename, text = source
            try:
                spec = load_criteria_text(text, source=filename, clauses_dir=criteria_dir())
                session = db_session()
                tender = service.create_tender(
                    session,
                    spec=spec,
                    source_text=text,
                    filename=filename,
                    actor=current_user,
                    now=clock.now(),
                )
            except CriteriaError as error:
                errors = error.numbered()
            except DomainError as error:
                errors = [str(error)]
            else:
                session.commit()
                flash(f"Aanbesteding {tender.reference} is aangemaakt als concept.", "success")
                return redirect(url_for("tenders.show", tender_id=tender.id))
    return render_template("tenders/create.html", form=form, errors=errors)


@bp.route("/<int:tender_id>")
def show(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.TENDER_READ)
    # The lots with their municipalities and target groups in three statements, into
    # the tender's own collection (a separate query for lots would not fill it).
    db_session().scalars(
        select(Tender)
        .where(Tender.id == tender.id)
        .options(
            selectinload(Tender.lots).options(
                selectinload(Lot.municipalities), selectinload(Lot.target_groups)
            )
        )
    ).one()
    now = clock.now()
    return render_template(
        "tenders/show.html",
        tender=tender,
        now=now,
        publication_problems=service.publication_problems(tender, now),
        replace_form=ReplaceConfigurationForm(),
        button_form=EmptyForm(),
        total_weight=sum(c.weight for c in tender.criteria),
        award_report=award.award_report_document(db_session(), tender)
        if can(current_user, Permission.AWARD_REPORT_READ, tender, now)
        else None,
        bids_received=bids.submitted_count(db_session(), tender)
        if can(current_user, Permission.BID_COUNT)
        else None,
        tender_documents=publication.tender_documents(db_session(), tender),
        schedule_changes=schedule_changes.schedule_changes(db_session(), tender),
        schedule_change_allowed=schedule_changes.change_allowed(tender, now),
    )


@bp.route("/<int:tender_id>/criteriabestand")
def criteria_file(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.TENDER_READ)
    return download(tender.criteria_text, f"{tender.reference}.toml", "application/toml")


@bp.route("/<int:tender_id>/ocds.json")
def ocds_export(tender_id: int):  # type: ignore[no-untyped-def]
    """The OCDS 1.1 release package (open data): no bidders before the letters, no people."""
    tender = load_tender(tender_id, Permission.OCDS_READ)
    package = ocds.release_package(
        db_session(), tender, published=clock.now(), prefix=current_app.config["OCDS_PREFIX"]
    )
    return download(ocds.package_json(package), ocds.filename(tender), "application/json")


@bp.route("/<int:tender_id>/documenten/<int:document_id>")
def tender_document(tender_id: int, document_id: int):  # type: ignore[no-untyped-def]
    """A released tender document (leidraad, concept contract, planning), for every reader."""
    tender = load_tender(tender_id, Permission.TENDER_READ)
    item = db_session().get(Document, document_id)
    if (
        tender.state == TenderState.CONCEPT
        or item is None
        or item.tender_id != tender.id
        or item.kind not in documents.TENDER_DOCUMENT_KINDS
        or item.released_at is None
    ):
        abort(404)
    content = documents.read_document(
        item, storage_dir=documents.documents_dir(current_app.instance_path)
    )
    return download(content, item.filename)


@bp.route("/<int:tender_id>/configuratie", methods=["POST"])
def replace_configuration(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.TENDER_CONFIGURE)
    form = ReplaceConfigurationForm()
    if form.validate_on_submit() and form.upload.data and form.upload.data.filename:
        source = _read_upload(form.upload.data)
        if source is not None:
            filename, text = source
            session = db_session()
            try:
                spec = load_criteria_text(text, source=filename, clauses_dir=criteria_dir())
                service.replace_configuration(
                    session,
                    tender=tender,
                    spec=spec,
                    source_text=text,
                    filename=filename,
                    actor=current_user,
                    now=clock.now(),
                )
            except CriteriaError as error:
                session.rollback()
                return render_template(
                    "tenders/create.html", form=None, errors=error.numbered(), tender=tender
                ), 422
            except DomainError as error:
                session.rollback()
                flash(str(error), "error")
            else:
                session.commit()
                flash(
                    "De configuratie is vervangen door de nieuwe versie van het bestand.", "success"
                )
    else:
        flash("Kies een criteriabestand om te uploaden.", "error")
    return redirect(url_for("tenders.show", tender_id=tender.id))


@bp.route("/<int:tender_id>/planning", methods=["GET", "POST"])
def schedule(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.TENDER_SCHEDULE)
    form = ScheduleForm()
    if request.method == "GET":
        form.tenderned_reference.data = tender.tenderned_reference
        for moment in ScheduleForm.MOMENTS:
            value = getattr(tender, moment)
            if value is not None:
                local = timefmt.to_local(value)
                getattr(form, f"{moment}_date").data = local.date()
                getattr(form, f"{moment}_time").data = local.time()
    elif form.validate_on_submit():
        moments = {moment: form.moment(moment) for moment in ScheduleForm.MOMENTS}
        problems = service.schedule_problems(**moments, now=clock.now())
        for field, message in problems.items():
            getattr(form, f"{field}_date").errors = [message]
        if not problems:
            session = db_session()
            try:
                service.set_schedule(
                    session,
                    tender=tender,
                    tenderned_reference=form.tenderned_reference.data,
                    actor=current_user,
                    now=clock.now(),
                    **moments,
                )
            except DomainError as error:
                session.rollback()
                flash(str(error), "error")
            else:
                session.commit()
                flash("De planning is opgeslagen.", "success")
                return redirect(url_for("tenders.show", tender_id=tender.id))
    return render_template("tenders/schedule.html", form=form, tender=tender)


@bp.route("/<int:tender_id>/ondertekenaar", methods=["GET", "POST"])
def signatory(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.TENDER_CONFIGURE)
    form = SignatoryForm()
    editable = tender.state in service.SIGNATORY_STATES
    if request.method == "GET":
        form.name.data = tender.signatory_name
        form.function.data = tender.signatory_function
    elif editable and form.validate_on_submit():
        session = db_session()
        try:
            service.set_signatory(
                session,
                tender=tender,
                name=form.name.data,
                function=form.function.data,
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash("De ondertekenaar van de gunningsbeslissingen is opgeslagen.", "success")
            return redirect(url_for("tenders.show", tender_id=tender.id))
    return render_template("tenders/signatory.html", form=form, tender=tender, editable=editable)


@bp.route("/<int:tender_id>/publiceren", methods=["POST"])
def publish(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.TENDER_PUBLISH)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(form.refusal(), "error")
    else:
        session = db_session()
        try:
            service.publish(
                session,
                tender=tender,
                actor=current_user,
                now=clock.now(),
                storage_dir=documents.documents_dir(current_app.instance_path),
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash(
                f"Aanbesteding {tender.reference} is gepubliceerd. De criteria liggen nu vast.",
                "success",
            )
    return redirect(url_for("tenders.show", tender_id=tender.id))


@bp.route("/<int:tender_id>/intrekken", methods=["GET", "POST"])
def withdraw(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.TENDER_WITHDRAW)
    form = WithdrawForm()
    if form.validate_on_submit():
        session = db_session()
        try:
            service.withdraw(
                session, tender=tender, reason=form.reason.data, actor=current_user, now=clock.now()
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash(f"Aanbesteding {tender.reference} is ingetrokken.", "success")
            return redirect(url_for("tenders.show", tender_id=tender.id))
    return render_template("tenders/withdraw.html", form=form, tender=tender)


@bp.route("/<int:tender_id>/logboek")
def audit_trail(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.AUDIT_READ)
    session = db_session()
    sealed = bids_sealed(tender)
    args = request.args
    if sealed:  # who, what and which bid would tell who bid: only the period and page
        args = MultiDict(
            (key, value)
            for key, value in request.args.items(multi=True)
            if key in AuditFilterForm.SEALED_FIELDS
        )
    form = AuditFilterForm(formdata=args)
    if not sealed:
        form.action.choices += [
            SelectChoice(action, ACTION_LABELS.get(action, action))
            for action in trail.logged_actions(session, tender)
        ]
        form.bid.choices += [SelectChoice(*choice) for choice in trail.bid_choices(session, tender)]
    valid = form.validate()
    page = (
        trail.events_page(session, tender, form.log_filter(), page=form.page.data or 1)
        if valid
        else None
    )
    query = {key: value for key, value in args.items() if value and key != "page"}
    return render_template(
        "tenders/audit.html",
        tender=tender,
        form=form,
        result=page,
        sealed=sealed,
        query=query,
        refusals=refused_hits.recent(session, now=clock.now()),
        refusals_audited_per_account=refused_hits.AUDITED_PER_ACCOUNT,
    )
