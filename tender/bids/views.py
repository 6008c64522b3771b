"""The provider's bid: sections, uploads, submission, receipts.

Every route here shows or changes bid content, so each one goes through
``load_bid``: the permission module decides, every refusal is written to the
audit trail (sealed bids, rule 2), and every view of content is too.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
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
from werkzeug.wrappers import Response as WerkzeugResponse

from tender import clock
from tender.access import get_or_404, load_attachment, load_bid, load_tender, require
from tender.accounts import organisations
from tender.actions import attempt
from tender.bids import receipts, service, uploads
from tender.bids.forms import (
    NetworkPartnerForm,
    OrganisationDetailsForm,
    PlanForm,
    SubcontractorForm,
)
from tender.bids.models import Attachment, Bid, BidSubmission, NetworkPartner, Subcontractor
from tender.db import db_session
from tender.downloads import download
from tender.errors import DomainError
from tender.forms import ConfirmForm
from tender.permissions import Permission, can
from tender.tenders.forms import EmptyForm
from tender.tenders.models import Criterion, Lot, Municipality, Tender

bp = Blueprint("bids", __name__)

SECTIONS = (
    ("organisation", "Organisatiegegevens", "bids.organisation"),
    ("lots", "Percelen", "bids.lots"),
    ("requirements", "Eisen", "bids.requirements"),
    ("coverage", "Dekking: gemeenten en doelgroepen", "bids.coverage"),
    ("network", "Lokaal netwerk", "bids.network"),
    ("subcontractors", "Onderaannemers", "bids.subcontractors"),
)


def _storage():  # type: ignore[no-untyped-def]
    return uploads.uploads_dir(current_app.instance_path)


def _max_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_BYTES"])


def _editable(bid: Bid) -> bool:
    try:
        service.ensure_changes_allowed(bid.tender, clock.now())
    except DomainError:
        return False
    return True


def _render(template: str, bid: Bid, **context):  # type: ignore[no-untyped-def]
    missing = service.completeness(bid)
    return render_template(
        template,
        bid=bid,
        tender=bid.tender,
        sections=SECTIONS,
        missing_sections={m.section for m in missing},
        missing_plans={m.criterion_id for m in missing if m.criterion_id},
        editable=_editable(bid),
        now=clock.now(),
        **context,
    )


def _upload(bid: Bid, field_name: str) -> Attachment | None:
    """Store the file posted under ``field_name``, if any (raises UploadRefused)."""
    storage = request.files.get(field_name)
    if storage is None or not storage.filename:
        return None
    content = storage.read(_max_bytes() + 1)
    return service.add_attachment(
        db_session(),
        bid=bid,
        filename=storage.filename,
        content=content,
        storage_dir=_storage(),
        max_bytes=_max_bytes(),
        max_bid_bytes=int(current_app.config["MAX_BID_UPLOAD_BYTES"]),
        actor=current_user,
        now=clock.now(),
    )


@bp.route("/aanbestedingen/<int:tender_id>/inschrijven", methods=["POST"])
def start(tender_id: int) -> WerkzeugResponse:
    tender: Tender = load_tender(tender_id, Permission.BID_START)
    if not EmptyForm().validate_on_submit():
        abort(400)
    session = db_session()
    try:
        bid = service.start_bid(
            session,
            tender=tender,
            organisation=current_user.organisation,
            actor=current_user,
            now=clock.now(),
        )
    except DomainError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("portal.provider_home"))
    session.commit()
    return redirect(url_for("bids.overview", bid_id=bid.id))


@bp.route("/inschrijvingen/<int:bid_id>")
def overview(bid_id: int) -> str:
    bid = load_bid(bid_id, Permission.BID_WRITE)
    return _render(
        "bids/overview.html",
        bid,
        missing=service.completeness(bid),
        warnings=service.anonymity_warnings(bid),
        unsubmitted=service.has_unsubmitted_changes(bid),
        button_form=EmptyForm(),
        may_submit=can(current_user, Permission.BID_SUBMIT, bid, clock.now()),
    )


@bp.route("/inschrijvingen/<int:bid_id>/logboek")
def log(bid_id: int) -> str:
    """Who of the organisation did what on its bid, and when."""
    bid = load_bid(bid_id, Permission.BID_LOG_READ)
    return _render(
        "bids/log.html",
        bid,
        events=organisations.bid_events(db_session(), bid),
        labels=organisations.BID_ACTION_LABELS,
    )


@bp.route("/inschrijvingen/<int:bid_id>/organisatie", methods=["GET", "POST"])
def organisation(bid_id: int):  # type: ignore[no-untyped-def]
    bid = load_bid(bid_id, Permission.BID_WRITE)
    form = OrganisationDetailsForm(obj=bid)
    if form.validate_on_submit():
        session = db_session()
        try:
            service.update_organisation_details(
                session,
                bid=bid,
                fields={name: getattr(form, name).data for name in service.ORGANISATION_FIELDS},
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash("De organisatiegegevens zijn opgeslagen.", "success")
            return redirect(url_for("bids.overview", bid_id=bid.id))
    return _render("bids/organisation.html", bid, form=form)


@bp.route("/inschrijvingen/<int:bid_id>/percelen", methods=["GET", "POST"])
def lots(bid_id: int):  # type: ignore[no-untyped-def]
    bid = load_bid(bid_id, Permission.BID_WRITE)
    form = EmptyForm()
    if form.validate_on_submit():
        chosen = set(request.form.getlist("lot", type=int))
        session = db_session()
        try:
            service.set_lots(
                session,
                bid=bid,
                lots=[lot for lot in bid.tender.lots if lot.id in chosen],
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash("De keuze van percelen is opgeslagen.", "success")
            return redirect(url_for("bids.overview", bid_id=bid.id))
    return _render("bids/lots.html", bid, form=form, chosen={bl.lot_id for bl in bid.lots})


@bp.route("/inschrijvingen/<int:bid_id>/eisen", methods=["GET", "POST"])
def requirements(bid_id: int):  # type: ignore[no-untyped-def]
    bid = load_bid(bid_id, Permission.BID_WRITE)
    form = EmptyForm()
    errors: dict[int, str] = {}
    if form.validate_on_submit():
        session = db_session()
        complied = set(request.form.getlist("complies", type=int))
        try:
            for requirement in bid.tender.requirements:
                try:
                    evidence = _upload(bid, f"evidence-{requirement.id}")
                except uploads.UploadRefused as error:
                    errors[requirement.id] = str(error)
                    evidence = None
                service.declare_requirement(
                    session,
                    bid=bid,
                    requirement=requirement,
                    complies=requirement.id in complied,
                    evidence=evidence,
                    actor=current_user,
                    now=clock.now(),
                )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            if not errors:
                flash("De verklaringen bij de eisen zijn opgeslagen.", "success")
                return redirect(url_for("bids.overview", bid_id=bid.id))
            flash(
                "De verklaringen zijn opgeslagen, maar niet elk bewijsstuk is geaccepteerd.",
                "error",
            )
    declarations = {d.requirement_id: d for d in bid.requirement_declarations}
    return _render(
        "bids/requirements.html", bid, form=form, declarations=declarations, errors=errors
    )


def _posted_cells(lot: Lot) -> set[tuple[int, int]]:
    cells = set()
    for value in request.form.getlist(f"cell-{lot.id}"):
        municipality, _, group = value.partition("-")
        if all(part.isascii() and part.isdigit() for part in (municipality, group)):
            cells.add((int(municipality), int(group)))
    return cells


def _apply_helper(lot: Lot, cells: set[tuple[int, int]], helper: str) -> set[tuple[int, int]]:
    """The row/column buttons: 'rij-<municipality>', 'kolom-<group>', 'alles', 'niets'."""
    everything = {(m.id, g.id) for m in lot.municipalities for g in lot.target_groups}
    kind, _, ident = helper.partition("-")
    if kind == "alles":
        return everything
    if kind == "niets":
        return set()
    if not (ident.isascii() and ident.isdigit()):
        return cells
    if kind == "rij":
        return cells | {cell for cell in everything if cell[0] == int(ident)}
    if kind == "kolom":
        return cells | {cell for cell in everything if cell[1] == int(ident)}
    return cells


@bp.route("/inschrijvingen/<int:bid_id>/dekking", methods=["GET", "POST"])
def coverage(bid_id: int):  # type: ignore[no-untyped-def]
    bid = load_bid(bid_id, Permission.BID_WRITE)
    form = EmptyForm()
    chosen_lots = [lot for lot in bid.tender.lots if lot.id in {bl.lot_id for bl in bid.lots}]
    selected = {(c.lot_id, c.municipality_id, c.target_group_id) for c in bid.coverage}
    if form.validate_on_submit():
        helper_lot, _, helper = (request.form.get("helper") or "").partition(":")
        session = db_session()
        try:
            for lot in chosen_lots:
                cells = _posted_cells(lot)
                if helper_lot == str(lot.id):
                    cells = _apply_helper(lot, cells, helper)
                service.set_coverage(
                    session, bid=bid, lot=lot, cells=cells, actor=current_user, now=clock.now()
                )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            if helper:
                flash("De selectie is aangepast en opgeslagen.", "success")
                return redirect(url_for("bids.coverage", bid_id=bid.id))
            flash("De dekking is opgeslagen.", "success")
            return redirect(url_for("bids.overview", bid_id=bid.id))
    return _render("bids/coverage.html", bid, form=form, lots=chosen_lots, selected=selected)


@bp.route("/inschrijvingen/<int:bid_id>/netwerk", methods=["GET", "POST"])
def network(bid_id: int):  # type: ignore[no-untyped-def]
    bid = load_bid(bid_id, Permission.BID_WRITE)
    form = NetworkPartnerForm()
    served = service.served_municipality_ids(bid)
    form.municipality.choices = [
        (str(m.id), m.name + ("" if m.id in served else " (u bedient hier nog niets)"))
        for m in bid.tender.municipalities
    ]
    if form.validate_on_submit():
        session = db_session()
        municipality = session.get(Municipality, int(form.municipality.data))
        try:
            if municipality is None:
                raise service.BidError("Onbekende gemeente.")
            service.add_network_partner(
                session,
                bid=bid,
                municipality=municipality,
                name=form.name.data,
                kind=form.kind.data,
                cooperation=form.cooperation.data,
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash(
                f"{form.name.data} is toegevoegd aan uw netwerk in {municipality.name}.", "success"
            )
            return redirect(url_for("bids.network", bid_id=bid.id))
    return _render("bids/network.html", bid, form=form, served=served, button_form=EmptyForm())


@bp.route("/inschrijvingen/<int:bid_id>/netwerk/<int:partner_id>/verwijderen", methods=["POST"])
def remove_partner(bid_id: int, partner_id: int) -> WerkzeugResponse:
    bid = load_bid(bid_id, Permission.BID_WRITE)
    partner = get_or_404(NetworkPartner, partner_id)
    if partner.bid_id != bid.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        attempt(
            lambda: service.remove_network_partner(
                db_session(), bid=bid, partner=partner, actor=current_user, now=clock.now()
            ),
            success=f"{partner.name} is verwijderd.",
        )
    return redirect(url_for("bids.network", bid_id=bid.id))


@bp.route("/inschrijvingen/<int:bid_id>/onderaannemers", methods=["GET", "POST"])
def subcontractors(bid_id: int):  # type: ignore[no-untyped-def]
    bid = load_bid(bid_id, Permission.BID_WRITE)
    form = SubcontractorForm()
    if form.validate_on_submit():
        session = db_session()
        try:
            service.add_subcontractor(
                session,
                bid=bid,
                name=form.name.data,
                kvk_number=form.kvk_number.data,
                activities=form.activities.data,
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash(f"{form.name.data} is toegevoegd als onderaannemer.", "success")
            return redirect(url_for("bids.subcontractors", bid_id=bid.id))
    return _render("bids/subcontractors.html", bid, form=form, button_form=EmptyForm())


@bp.route(
    "/inschrijvingen/<int:bid_id>/onderaannemers/<int:subcontractor_id>/verwijderen",
    methods=["POST"],
)
def remove_subcontractor(bid_id: int, subcontractor_id: int) -> WerkzeugResponse:
    bid = load_bid(bid_id, Permission.BID_WRITE)
    subcontractor = get_or_404(Subcontractor, subcontractor_id)
    if subcontractor.bid_id != bid.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        attempt(
            lambda: service.remove_subcontractor(
                db_session(),
                bid=bid,
                subcontractor=subcontractor,
                actor=current_user,
                now=clock.now(),
            ),
            success=f"{subcontractor.name} is verwijderd.",
        )
    return redirect(url_for("bids.subcontractors", bid_id=bid.id))


@bp.route("/inschrijvingen/<int:bid_id>/plannen/<int:criterion_id>", methods=["GET", "POST"])
def plan(bid_id: int, criterion_id: int):  # type: ignore[no-untyped-def]
    bid = load_bid(bid_id, Permission.BID_WRITE)
    criterion = get_or_404(Criterion, criterion_id)
    if criterion.tender_id != bid.tender_id:
        abort(404)
    existing = service.plan_for(bid, criterion)
    form = PlanForm(data={"text": existing.text if existing else ""})
    if form.validate_on_submit():
        session = db_session()
        try:
            attachment = _upload(bid, "attachment")
            service.save_plan(
                session,
                bid=bid,
                criterion=criterion,
                text=form.text.data or "",
                attachment=attachment,
                actor=current_user,
                now=clock.now(),
            )
        except uploads.UploadRefused as error:
            session.rollback()
            form.attachment.errors = [str(error)]
        except service.WordLimitExceeded as error:
            session.rollback()
            form.text.errors = [str(error)]
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash(f"Het plan voor {criterion.code} is opgeslagen.", "success")
            return redirect(url_for("bids.overview", bid_id=bid.id))
    return _render(
        "bids/plan.html",
        bid,
        form=form,
        criterion=criterion,
        plan=existing,
        words=service.word_count(form.text.data or ""),
    )


@bp.route("/inschrijvingen/<int:bid_id>/indienen", methods=["POST"])
def submit(bid_id: int) -> WerkzeugResponse:
    bid = load_bid(bid_id, Permission.BID_WRITE)
    require(Permission.BID_SUBMIT, bid)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(form.refusal(), "error")
        return redirect(url_for("bids.overview", bid_id=bid.id))
    session = db_session()
    try:
        submission = service.submit(session, bid=bid, actor=current_user, now=clock.now())
    except DomainError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("bids.overview", bid_id=bid.id))
    session.commit()
    flash("Uw inschrijving is ontvangen. Bewaar de ontvangstbevestiging.", "success")
    return redirect(url_for("bids.receipt", bid_id=bid.id, number=submission.number))


@bp.route("/inschrijvingen/<int:bid_id>/intrekken", methods=["POST"])
def withdraw(bid_id: int) -> WerkzeugResponse:
    bid = load_bid(bid_id, Permission.BID_WRITE)
    require(Permission.BID_SUBMIT, bid)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(form.refusal(), "error")
        return redirect(url_for("bids.overview", bid_id=bid.id))
    session = db_session()
    try:
        service.withdraw(session, bid=bid, actor=current_user, now=clock.now())
    except DomainError as error:
        session.rollback()
        flash(str(error), "error")
    else:
        session.commit()
        flash(
            "Uw inschrijving is ingetrokken. "
            "U kunt tot de uiterste inschrijfdatum opnieuw indienen.",
            "success",
        )
    return redirect(url_for("bids.overview", bid_id=bid.id))


def _submission(bid: Bid, number: int) -> BidSubmission:
    """Submission ``number`` of the bid, without loading the others (a bid resubmitted
    until the deadline may have many)."""
    submission = db_session().scalar(
        select(BidSubmission).where(BidSubmission.bid_id == bid.id, BidSubmission.number == number)
    )
    if submission is None:
        abort(404)
    return submission


@bp.route("/inschrijvingen/<int:bid_id>/ontvangstbevestiging/<int:number>")
def receipt(bid_id: int, number: int) -> str:
    bid = load_bid(bid_id, Permission.BID_READ)
    return _render(
        "bids/receipt.html", bid, receipt=receipts.receipt_data(bid, _submission(bid, number))
    )


@bp.route("/inschrijvingen/<int:bid_id>/ontvangstbevestiging/<int:number>.pdf")
def receipt_pdf(bid_id: int, number: int) -> Response:
    bid = load_bid(bid_id, Permission.BID_READ)
    content = receipts.receipt_pdf(db_session(), bid, _submission(bid, number))
    return download(content, f"ontvangstbevestiging-{bid.tender.reference}-{number}.pdf")


@bp.route("/inschrijvingen/<int:bid_id>/bijlagen/<int:attachment_id>")
def attachment(bid_id: int, attachment_id: int) -> Response:
    bid = load_bid(bid_id, Permission.BID_READ)
    stored = load_attachment(bid, attachment_id)
    content = uploads.read(
        _storage(),
        stored.stored_name,
        stored.sha256,
        label=f"de bijlage ‘{stored.original_filename}’",
        object_type="bid",
        object_id=bid.id,
        tender_id=bid.tender_id,
    )
    return download(content, stored.original_filename)
