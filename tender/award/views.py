"""The award for the inkoper; the award report for the advisory council; letters
and contracts for the providers they are addressed to."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

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

from tender import audit, clock, jobqueue
from tender.access import get_or_404, load_tender, require
from tender.actions import attempt
from tender.award import documents as award_documents
from tender.award import jobs, service, steps, strengths, versions
from tender.award.forms import (
    DecisionForm,
    ReviewForm,
    RevisionForm,
    SendForm,
    WithdrawForm,
    strengths_form,
)
from tender.award.models import AwardDecision, DecisionStatus
from tender.award.outcome import tender_outcome
from tender.bids import submitted
from tender.db import db_session
from tender.documents import award_letter, pdf
from tender.documents import service as documents
from tender.documents.models import Document
from tender.documents.pdf import audit_footer
from tender.downloads import download
from tender.errors import DomainError
from tender.evaluation import service as evaluation
from tender.forms import TEXT_AREA_MAX, text_problem
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
                Document.decision_id.is_not(None),
                Document.kind.in_(
                    [documents.AWARD_LETTER, documents.AWARD_REPORT, documents.CONTRACT]
                ),
            )
            .order_by(Document.decision_id, Document.kind, Document.filename)
        )
    )


def _open_outcome(tender: Tender):  # type: ignore[no-untyped-def]
    """The live outcome while no advice is frozen, with what blocks an advice."""
    session = db_session()
    if tender.state not in service.DECIDABLE_STATES:
        return None, []
    data = tender_outcome(session, tender)
    return data, service.decision_problems(session, tender, data)


def _job_view(job):  # type: ignore[no-untyped-def]
    return (job, jobs.shown_status(job, clock.now())) if job is not None else None


@bp.route("")
def overview(tender_id: int) -> str:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    # The overview shows no part of a snapshot (every bid: megabytes of JSON at 500 bids).
    current = versions.open_decision(session, tender, with_snapshot=False)
    sent = versions.sent_decision(session, tender, with_snapshot=False)
    now = clock.now()
    return render_template(
        "award/overview.html",
        tender=tender,
        decision=current,
        sent=sent,
        history=versions.versions(session, tender, with_snapshot=False),
        letters_job=_job_view(jobs.latest_job(session, tender.id, award_documents.LETTERS)),
        contracts_job=_job_view(jobs.latest_job(session, tender.id, award_documents.CONTRACTS)),
        definitive_problems=service.definitive_problems(sent, tender, now)
        if tender.state == TenderState.PROVISIONALLY_AWARDED
        else [],
        documents=_tender_documents(tender),
        button_form=EmptyForm(),
        withdraw_form=WithdrawForm(formdata=None),
        now=now,
    )


@bp.route("/advies", methods=["GET", "POST"])
def advice(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    posted = request.method == "POST" and EmptyForm().validate_on_submit()
    if posted and attempt(
        lambda: steps.prepare_advice(session, tender=tender, actor=current_user, now=clock.now()),
        success="Het gunningsadvies is vastgelegd. Een tweede inkoper beoordeelt het nu.",
    ):
        return redirect(url_for("award.overview", tender_id=tender.id))
    current = versions.open_decision(session, tender)
    data, problems = _open_outcome(tender)
    return render_template(
        "award/advice.html",
        tender=tender,
        decision=current,
        data=data,
        problems=problems,
        button_form=EmptyForm(),
    )


def _concept_snapshot(tender: Tender) -> dict:  # type: ignore[type-arg]
    """What concept documents are made from: the open version, or the live outcome."""
    session = db_session()
    current = versions.open_decision(session, tender)
    if current is not None:
        return award_documents.documented(session, current)
    if tender.state not in service.DECIDABLE_STATES:
        abort(404)
    data = tender_outcome(session, tender)
    if data.outcome.pending:  # a bid without full consensus has no letter to show yet
        abort(404)
    return service.build_snapshot(session, data, now=clock.now())


def _concepts(tender: Tender) -> list[award_documents.PlannedDocument]:
    snapshot = _concept_snapshot(tender)
    planned = award_documents.planned_letters(snapshot, sent_at=clock.now(), concept=True)
    return planned + award_documents.planned_contracts(snapshot, concept=True)


def _concept_download(planned: award_documents.PlannedDocument) -> Response:
    name, _kind, _bid, build = planned
    with audit_footer(audit.head(db_session())), pdf.generated_at(clock.now()):
        return download(build(), name)


@bp.route("/concept.zip")
def concept_zip(tender_id: int) -> Response:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    buffer = io.BytesIO()
    with (
        audit_footer(audit.head(db_session())),
        pdf.generated_at(clock.now()),
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for name, _kind, _bid, build in _concepts(tender):
            archive.writestr(name, build())
    return download(buffer.getvalue(), f"concept-gunningsdocumenten-{tender.reference}.zip")


@bp.route("/concept/brief/<int:bid_id>.pdf")
def concept_letter(tender_id: int, bid_id: int) -> Response:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    for planned in _concepts(tender):
        if planned[1] == documents.AWARD_LETTER and planned[2] == bid_id:
            return _concept_download(planned)
    abort(404)


@bp.route("/concept/rapport.pdf")
def concept_report(tender_id: int) -> Response:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    for planned in _concepts(tender):
        if planned[1] == documents.AWARD_REPORT:
            return _concept_download(planned)
    abort(404)


def _decision_in(tender: Tender, status: DecisionStatus) -> AwardDecision | None:
    current = versions.open_decision(db_session(), tender)
    return current if current is not None and current.status == status else None


@bp.route("/goedkeuring", methods=["GET", "POST"])
def review(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    decision = _decision_in(tender, DecisionStatus.ADVICE)
    form = ReviewForm()
    if decision is not None and form.validate_on_submit():
        approve = form.verdict.data == "approve"
        if attempt(
            lambda: steps.review_advice(
                session,
                decision=decision,
                approve=approve,
                reason=form.reason.data or "",
                actor=current_user,
                now=clock.now(),
            ),
            success="Het advies is goedgekeurd. Leg nu het besluit vast."
            if approve
            else "Het advies is teruggestuurd naar de opsteller.",
        ):
            return redirect(url_for("award.overview", tender_id=tender.id))
    return render_template(
        "award/review.html",
        tender=tender,
        decision=decision,
        form=form,
        refusal=steps.review_problem(session, decision, current_user) if decision else None,
        strengths_problem=strengths.problem(decision) if decision else None,
        winners=_winners(decision) if decision else [],
    )


def _winners(decision: AwardDecision) -> list[dict]:  # type: ignore[type-arg]
    """Per winning bid (ranked mode): its scores and motivations, its text and the
    bold line the letters print above it."""
    snapshot = decision.snapshot
    criteria = {c["code"]: c for c in snapshot["tender"]["criteria"]}
    result = []
    for entry in strengths.winners(snapshot):
        key = str(entry["bid_id"])
        lots = [
            lot["code"]
            for lot in snapshot["tender"]["lots"]
            if entry["bid_id"] in snapshot["awarded"][lot["code"]]
        ]
        name = entry["organisation"]["name"]
        stored = (decision.strengths or {}).get(key, {})
        result.append(
            {
                "key": key,
                "entry": entry,
                "criteria": criteria,
                "lots": lots,
                "label": award_letter.strengths_label(name, lots),
                "stored": stored,
                "edited_at": datetime.fromisoformat(stored["edited_at"])
                if stored.get("edited_at")
                else None,
            }
        )
    return result


@bp.route("/kenmerken", methods=["GET", "POST"], endpoint="strengths")
def edit_strengths(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    decision = versions.open_decision(session, tender)
    winners = _winners(decision) if decision is not None else []
    form = strengths_form(
        {w["key"]: f"Wat onderscheidt {w['entry']['organisation']['name']}?" for w in winners},
        minimum=strengths.MIN_LENGTH,
        maximum=strengths.MAX_LENGTH,
    )
    if decision is not None and form.validate_on_submit():
        confirm = request.form.get("action") == "confirm"
        if attempt(
            lambda: strengths.edit(
                session,
                decision=decision,
                edited=form.texts(),
                confirm=confirm,
                actor=current_user,
                now=clock.now(),
            ),
            success="Kenmerken vastgesteld. Een tweede inkoper kan het advies nu beoordelen."
            if confirm
            else "De teksten zijn opgeslagen. Stel ze vast als ze klaar zijn.",
        ):
            target = "award.overview" if confirm else "award.strengths"
            return redirect(url_for(target, tender_id=tender.id))
    if request.method == "GET":
        for winner in winners:
            form[f"text_{winner['key']}"].data = winner["stored"].get("text", "")
    return render_template(
        "award/strengths.html",
        tender=tender,
        decision=decision,
        winners=winners,
        form=form,
        needed=decision is not None and strengths.needed(decision.snapshot),
        editable=decision is not None and decision.status in strengths.EDITABLE and bool(winners),
        maximum=strengths.MAX_LENGTH,
    )


@bp.route("/besluit", methods=["GET", "POST"])
def decide(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    decision = _decision_in(tender, DecisionStatus.APPROVED)
    form = DecisionForm()
    if (
        decision is not None
        and form.validate_on_submit()
        and attempt(
            lambda: steps.record_decision(
                session,
                decision=decision,
                decided_on=form.decided_on.data,
                body=form.body.data or "",
                mandate=form.mandate.data or "",
                actor=current_user,
                now=clock.now(),
            ),
            success="Het besluit is vastgelegd. Bekijk de brieven en verzend ze.",
        )
    ):
        return redirect(url_for("award.sending", tender_id=tender.id))
    return render_template("award/decision.html", tender=tender, decision=decision, form=form)


def _start(tender: Tender, decision: AwardDecision, kind: str) -> None:
    """Start the job that makes (and at its end releases) the decision's documents."""
    session = db_session()
    job, steps_, finish = award_documents.start_job(
        session,
        decision=decision,
        kind=kind,
        actor=current_user,
        now=clock.now(),
        config=current_app.config,
        instance_path=current_app.instance_path,
    )
    session.commit()
    _run(job.id, steps_, finish)


def _plan(tender: Tender, decision: AwardDecision, kind: str, *, started_at):  # type: ignore[no-untyped-def]
    return award_documents.job_plan(
        kind,
        tender_id=tender.id,
        decision_id=decision.id,
        snapshot=award_documents.documented(db_session(), decision),
        storage_dir=_storage(),
        actor_id=current_user.id,
        started_at=started_at,
        config=current_app.config,
        instance_path=current_app.instance_path,
    )


def _run(job_id: int, steps_, finish) -> None:  # type: ignore[no-untyped-def]
    jobqueue.dispatch(current_app._get_current_object(), job_id, steps_, finish)  # type: ignore[attr-defined]


@bp.route("/verzending", methods=["GET", "POST"])
def sending(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    decision = _decision_in(tender, DecisionStatus.DECIDED)
    now = clock.now()
    form = SendForm()
    if decision is not None and form.validate_on_submit():
        try:
            steps.confirm_sending(
                decision,
                letters=form.letters.data,
                standstill=form.standstill.data or "",
                now=now,
            )
            _start(tender, decision, award_documents.LETTERS)
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            flash(
                "De brieven worden gemaakt. Zodra alles klaar is, worden ze tegelijk aan alle "
                "inschrijvers verzonden.",
                "success",
            )
            return redirect(url_for("award.overview", tender_id=tender.id))
    previewing = False
    if decision is not None and request.method == "GET":
        previewing = steps.record_preview(session, decision=decision, actor=current_user, now=now)
        session.commit()
    letters, end = [], None
    if decision is not None:
        letters = [
            (entry, award_documents.letter_data(decision.snapshot, entry, sent_at=now))
            for entry in decision.snapshot["bids"]
        ]
        end = steps.sending_standstill_end(decision, now)
        form.letters.data = steps.letter_count(decision)
        form.standstill.data = end.isoformat()
    return render_template(
        "award/sending.html",
        tender=tender,
        decision=decision,
        letters=letters,
        previewing=previewing,
        problems=steps.sending_problems(decision, now) if decision is not None else [],
        standstill_end=end,
        form=form,
    )


@bp.route("/intrekken", methods=["POST"])
def withdraw(tender_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    decision = versions.open_decision(session, tender)
    form = WithdrawForm()
    if decision is None:
        flash("Er is geen gunningsbeslissing om in te trekken.", "error")
    elif not form.validate_on_submit():
        flash("Geef de reden van intrekking (minstens 10 tekens).", "error")
    else:
        attempt(
            lambda: steps.withdraw_decision(
                session,
                decision=decision,
                reason=form.reason.data or "",
                actor=current_user,
                now=clock.now(),
            ),
            success=f"Versie {decision.version} van de gunningsbeslissing is ingetrokken.",
        )
    return redirect(url_for("award.overview", tender_id=tender.id))


@bp.route("/herbeoordeling", methods=["GET", "POST"])
def revision(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    received = submitted.received_versions(session, tender)
    form = RevisionForm()
    form.bids.choices = [(v.bid_id, f"{v.blind_code}: {v.organisation.name}") for v in received]
    form.criteria.choices = [(c.code, f"{c.code} {c.title}") for c in tender.criteria]
    allowed = (
        tender.state in service.DECIDABLE_STATES and versions.open_decision(session, tender) is None
    )
    if (
        allowed
        and form.validate_on_submit()
        and attempt(
            lambda: evaluation.reopen_for_revision(
                session,
                tender=tender,
                bid_ids=form.bids.data or [],
                criterion_codes=form.criteria.data or [],
                reason=form.reason.data or "",
                actor=current_user,
                now=clock.now(),
            ),
            success="De gekozen consensusscores zijn heropend. De commissie beoordeelt ze "
            "opnieuw; daarna volgt een nieuw gunningsadvies.",
        )
    ):
        return redirect(url_for("award.overview", tender_id=tender.id))
    return render_template("award/revision.html", tender=tender, form=form, allowed=allowed)


@bp.route("/hervatten/<kind>", methods=["POST"])
def resume(tender_id: int, kind: str) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    session = db_session()
    job = jobs.latest_job(session, tender.id, kind)
    decision = session.get(AwardDecision, job.decision_id) if job and job.decision_id else None
    if job is None or decision is None or not EmptyForm().validate_on_submit():
        abort(404)
    now = clock.now()
    try:
        if kind == award_documents.LETTERS and decision.status != DecisionStatus.DECIDED:
            raise service.AwardError("Deze brieven zijn al verzonden of horen bij een oude versie.")
        jobs.claim_for_resume(session, job, now=now)
        steps_, finish = _plan(tender, decision, kind, started_at=job.started_at)
        audit.record(
            session,
            actor=current_user,
            action=f"award.{kind}_resumed",
            object_type="award_decision",
            object_id=decision.id,
            tender_id=tender.id,
            now=now,
            details={"versie": decision.version, "opdracht": job.id},
        )
        session.commit()
    except DomainError as error:
        session.rollback()
        flash(str(error), "error")
    else:
        _run(job.id, steps_, finish)
        flash("Het maken van de documenten is hervat.", "success")
    return redirect(url_for("award.overview", tender_id=tender.id))


@bp.route("/bezwaar", methods=["POST"])
def objection(tender_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.AWARD_MANAGE)
    note = request.form.get("note", "")
    if problem := text_problem(note, single_line=False, limit=TEXT_AREA_MAX):
        flash(f"Toelichting: {problem}", "error")
    elif EmptyForm().validate_on_submit():
        session = db_session()
        try:
            service.set_objection(
                session,
                tender=tender,
                pending=request.form.get("pending") == "ja",
                note=note,
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
            decision = versions.sent_decision(session, tender)
            assert decision is not None
            _start(tender, decision, award_documents.CONTRACTS)
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
            status = jobs.shown_status(job, clock.now())
            result[kind] = {"status": status, "done": job.done, "total": job.total}
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
    item = service.award_report_document(db_session(), tender)
    if item is None:
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
