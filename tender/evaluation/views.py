"""Opening, requirement checks, committee and progress (inkoper); blind scoring and
consensus (committee)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

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
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from tender import audit, clock, collector
from tender.access import (
    get_or_404,
    load_bid,
    load_blind_bid,
    load_committee,
    load_membership,
    load_tender,
    require,
    submitted_version,
)
from tender.accounts import kvk
from tender.accounts.models import Role, User
from tender.actions import attempt
from tender.award import outcome as award_outcome
from tender.award.outcome import tender_outcome
from tender.bids import submitted, uploads
from tender.bids.models import Bid
from tender.bids.verification import ReceiptMismatch
from tender.db import db_session
from tender.documents import service as documents
from tender.documents.models import Document
from tender.downloads import download
from tender.errors import DomainError
from tender.evaluation import attachments, exports, service
from tender.evaluation.forms import (
    AddMemberForm,
    ConsensusForm,
    DeclarationForm,
    LaterConflictForm,
    OpenConsensusForm,
    RemoveFromBidForm,
    RemoveMemberForm,
    ReopenConsensusForm,
    ScoreForm,
    posted_answers,
)
from tender.evaluation.models import CommitteeMember, ConsensusScore, Score
from tender.forms import TEXT_AREA_MAX, ConfirmForm, text_problem
from tender.permissions import (
    CommitteeContext,
    MembershipContext,
    Permission,
    bids_sealed,
    can,
)
from tender.tenders.forms import EmptyForm
from tender.tenders.models import Criterion, Tender, TenderState

officer_bp = Blueprint("evaluation", __name__, url_prefix="/aanbestedingen/<int:tender_id>")
committee_bp = Blueprint("committee", __name__, url_prefix="/beoordelen/<int:tender_id>")


def _flash_error(error: DomainError) -> None:
    db_session().rollback()
    flash(str(error), "error")


# -- opening -----------------------------------------------------------------------------


def _opening_record(session, tender: Tender) -> Document | None:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(Document).where(
            Document.tender_id == tender.id, Document.kind == documents.OPENING_RECORD
        )
    )


@officer_bp.route("/opening")
def opening(tender_id: int) -> str:
    tender = load_tender(tender_id, Permission.OPENING_MANAGE)
    session = db_session()
    starter = (
        session.get(User, tender.opening_started_by_id) if tender.opening_started_by_id else None
    )
    return render_template(
        "evaluation/opening.html",
        tender=tender,
        starter=starter,
        received=service.received_count(session, tender),
        record=_opening_record(session, tender),
        button_form=EmptyForm(),
        now=clock.now(),
        # Names bidders, so only once the bids are opened (the seal, DOMAIN 5.2).
        unverified=[] if bids_sealed(tender) else kvk.unverified_bidders(session, tender),
    )


@officer_bp.route("/opening/starten", methods=["POST"])
def start_opening(tender_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.OPENING_MANAGE)
    if EmptyForm().validate_on_submit():
        try:
            service.start_opening(db_session(), tender=tender, actor=current_user, now=clock.now())
        except DomainError as error:
            _flash_error(error)
        else:
            db_session().commit()
            flash(
                "De opening is gestart. Een tweede inkoper moet de opening bevestigen.", "success"
            )
    return redirect(url_for("evaluation.opening", tender_id=tender.id))


@officer_bp.route("/opening/bevestigen", methods=["POST"])
def confirm_opening(tender_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.OPENING_MANAGE)
    session = db_session()
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(form.refusal(), "error")
    else:
        try:
            service.confirm_opening(
                session,
                tender=tender,
                actor=current_user,
                now=clock.now(),
                storage_dir=documents.documents_dir(current_app.instance_path),
                uploads_dir=uploads.uploads_dir(current_app.instance_path),
            )
        except ReceiptMismatch as error:
            session.commit()  # only the record of the failed check; nothing was opened
            flash(str(error), "error")
        except DomainError as error:
            _flash_error(error)
        else:
            session.commit()
            flash("De inschrijvingen zijn geopend; het proces-verbaal is opgemaakt.", "success")
    return redirect(url_for("evaluation.opening", tender_id=tender.id))


@officer_bp.route("/opening/proces-verbaal.pdf")
def opening_record(tender_id: int) -> Response:
    tender = load_tender(tender_id, Permission.OPENING_MANAGE)
    record = _opening_record(db_session(), tender)
    if record is None:
        abort(404)
    content = documents.read_document(
        record, storage_dir=documents.documents_dir(current_app.instance_path)
    )
    return download(content, record.filename)


# -- requirement checks --------------------------------------------------------------------


def _require_opened(tender: Tender) -> None:
    if tender.state not in service.READING_STATES:
        flash("Dit kan pas na de opening van de inschrijvingen.", "error")
        abort(redirect(url_for("tenders.show", tender_id=tender.id)))


@officer_bp.route("/eisen")
def requirement_overview(tender_id: int) -> str:
    tender = load_tender(tender_id, Permission.REQUIREMENT_CHECK)
    _require_opened(tender)
    session = db_session()
    return render_template(
        "evaluation/requirements.html",
        tender=tender,
        bids=award_outcome.received(session, tender),
        checks=service.check_verdicts(session, tender),
    )


@officer_bp.route("/eisen/<int:bid_id>", methods=["GET", "POST"])
def requirement_check(tender_id: int, bid_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.REQUIREMENT_CHECK)
    _require_opened(tender)
    bid = load_bid(bid_id, Permission.BID_READ)
    if bid.tender_id != tender.id:
        abort(404)
    version = submitted_version(bid)
    session = db_session()
    form = EmptyForm()
    errors: dict[int, str] = {}
    if form.validate_on_submit():
        for requirement in tender.requirements:
            verdict = request.form.get(f"complies-{requirement.id}")
            if verdict not in ("ja", "nee"):
                continue
            reason = request.form.get(f"reason-{requirement.id}", "")
            if problem := text_problem(reason, single_line=False, limit=TEXT_AREA_MAX):
                errors[requirement.id] = problem
                continue
            try:
                service.record_requirement_check(
                    session,
                    bid=bid,
                    requirement=requirement,
                    complies=verdict == "ja",
                    reason=reason,
                    actor=current_user,
                    now=clock.now(),
                )
            except DomainError as error:
                errors[requirement.id] = str(error)
        if errors:
            session.rollback()
            flash("Niets opgeslagen: vul de ontbrekende redenen aan.", "error")
        else:
            session.commit()
            flash(f"De toetsing van {bid.blind_code} is opgeslagen.", "success")
            return redirect(url_for("evaluation.requirement_overview", tender_id=tender.id))
    checks = service.requirement_checks(session, tender)
    return render_template(
        "evaluation/requirement_check.html",
        tender=tender,
        bid=bid,
        form=form,
        errors=errors,
        version=version,
        evidence={
            code: submitted.stored_file(session, version, declaration.evidence)
            for code, declaration in version.declarations.items()
            if declaration.evidence is not None
        },
        checks={r.id: checks.get((bid.id, r.id)) for r in tender.requirements},
    )


# -- committee ------------------------------------------------------------------------------


@officer_bp.route("/commissie", methods=["GET", "POST"])
def committee_setup(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.COMMITTEE_MANAGE)
    session = db_session()
    members = service.committee(session, tender)
    form = AddMemberForm()
    taken = {m.user_id for m in members}
    evaluators = session.scalars(
        select(User).where(User.role == Role.EVALUATOR, User.active.is_(True)).order_by(User.name)
    ).all()
    form.user.choices = [
        (str(u.id), f"{u.name} ({u.email})") for u in evaluators if u.id not in taken
    ]
    if form.validate_on_submit():
        user = session.get(User, int(form.user.data))
        try:
            if user is None:
                raise service.EvaluationError("Onbekende beoordelaar.")
            service.add_member(
                session,
                tender=tender,
                user=user,
                is_chair=form.is_chair.data,
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            _flash_error(error)
        else:
            session.commit()
            flash(f"{user.name} is toegevoegd aan de commissie.", "success")
            return redirect(url_for("evaluation.committee_setup", tender_id=tender.id))
    return render_template(
        "evaluation/committee.html",
        tender=tender,
        members=members,
        form=form,
        button_form=EmptyForm(),
        remove_form=RemoveMemberForm(formdata=None),
        bid_forms={m.id: _remove_from_bid_form(session, tender, m) for m in members},
        bidders=service.bidders(session, tender),
        removed=[
            m
            for m in service.committee(session, tender, with_removed=True)
            if m.removed_at is not None
        ],
        problems=service.committee_problems(members, current_app.config["MIN_COMMITTEE_SIZE"]),
    )


def _remove_from_bid_form(session, tender: Tender, member: CommitteeMember) -> RemoveFromBidForm:  # type: ignore[no-untyped-def]
    """The inkoper's form to keep ``member`` away from one bid: bids it may still see."""
    form = RemoveFromBidForm(formdata=None, prefix=f"lid{member.id}")
    form.bid.choices = [
        (str(v.bid_id), f"{v.blind_code}: {v.organisation.name}")
        for v in submitted.received_versions(session, tender)
        if member.declaration is not None and v.organisation_id not in service.banded(member)
    ]
    return form


def _member_of(tender: Tender, member_id: int) -> CommitteeMember:
    member = get_or_404(CommitteeMember, member_id)
    if member.tender_id != tender.id or member.removed_at is not None:
        abort(404)
    return member


@officer_bp.route("/commissie/<int:member_id>/voorzitter", methods=["POST"])
def make_chair(tender_id: int, member_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.COMMITTEE_MANAGE)
    member = _member_of(tender, member_id)
    if EmptyForm().validate_on_submit():
        attempt(
            lambda: service.set_chair(
                db_session(), tender=tender, member=member, actor=current_user, now=clock.now()
            ),
            success=f"{member.user.name} is voorzitter.",
        )
    return redirect(url_for("evaluation.committee_setup", tender_id=tender.id))


@officer_bp.route("/commissie/<int:member_id>/verwijderen", methods=["POST"])
def remove_member(tender_id: int, member_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.COMMITTEE_MANAGE)
    member = _member_of(tender, member_id)
    form = RemoveMemberForm()
    if form.validate_on_submit():
        attempt(
            lambda: service.remove_member(
                db_session(),
                tender=tender,
                member=member,
                reason=form.reason.data or "",
                actor=current_user,
                now=clock.now(),
            ),
            success=f"{member.user.name} is uit de commissie verwijderd.",
        )
    return redirect(url_for("evaluation.committee_setup", tender_id=tender.id))


@officer_bp.route("/commissie/<int:member_id>/inschrijving-afhalen", methods=["POST"])
def remove_member_from_bid(tender_id: int, member_id: int) -> WerkzeugResponse:
    """Keep a member away from one bid; its scores on that bid are set aside."""
    tender = load_tender(tender_id, Permission.COMMITTEE_MANAGE)
    member = _member_of(tender, member_id)
    session = db_session()
    form = _remove_from_bid_form(session, tender, member)
    form.process(request.form)
    if not form.validate_on_submit():
        errors = [e for field in (form.bid, form.reason) for e in field.errors]
        flash(
            f"{member.user.name} is niet van een inschrijving gehaald. " + " ".join(errors), "error"
        )
        return redirect(url_for("evaluation.committee_setup", tender_id=tender.id))
    bid = get_or_404(Bid, int(form.bid.data))
    attempt(
        lambda: service.remove_member_from_bid(
            session,
            member=member,
            bid=bid,
            reason=form.reason.data or "",
            actor=current_user,
            now=clock.now(),
        ),
        success=f"{member.user.name} is van {bid.blind_code} gehaald; de scores daarop zijn "
        "terzijde gelegd.",
    )
    return redirect(url_for("evaluation.committee_setup", tender_id=tender.id))


# -- progress, completion, exports -----------------------------------------------------------


def _progress(session, tender: Tender) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    members = service.members_with_declarations(session, tender)
    data = tender_outcome(session, tender)  # the received versions, stored with the outcome
    bids = data.bids
    excluded = {b.bid_id for b in bids if data.results[b.bid_id].failed_requirements}
    given: dict[tuple[int, int], int] = defaultdict(int)
    given.update(
        ((bid_id, evaluator_id), count)
        for bid_id, evaluator_id, count in session.execute(
            select(Score.bid_id, Score.evaluator_id, func.count())
            .join(Score.bid)
            .where(Bid.tender_id == tender.id, Score.set_aside_at.is_(None))
            .group_by(Score.bid_id, Score.evaluator_id)
        )
    )
    # The outcome's consensus is the agreed one, one score per criterion.
    agreed = {b.bid_id: len(data.results[b.bid_id].scores) for b in bids}
    return {
        "members": members,
        "conflicts": service.conflict_pairs(session, tender),
        "bids": bids,
        "excluded": excluded,
        "given": given,
        "agreed": agreed,
        "criteria_count": len(tender.criteria),
    }


@officer_bp.route("/voortgang")
def progress(tender_id: int) -> str:
    require(Permission.EVALUATION_PROGRESS)
    tender = get_or_404(Tender, tender_id)
    session = db_session()
    member = service.membership(session, tender, current_user)
    require(Permission.EVALUATION_PROGRESS, MembershipContext(member))
    if bids_sealed(tender):  # who bid stays unknown until the opening: only the count
        return render_template(
            "evaluation/progress_sealed.html",
            tender=tender,
            officer=current_user.role == Role.PROCUREMENT_OFFICER,
            received=len(service.received_bids(session, tender)),
        )
    return render_template(
        "evaluation/progress.html",
        tender=tender,
        show_names=current_user.role == Role.PROCUREMENT_OFFICER,
        problems=service.evaluation_problems(session, tender)
        if tender.state == TenderState.OPENED
        else [],
        button_form=EmptyForm(),
        **_progress(session, tender),
    )


@officer_bp.route("/beoordeling-afronden", methods=["POST"])
def complete(tender_id: int) -> WerkzeugResponse:
    tender = load_tender(tender_id, Permission.EVALUATION_COMPLETE)
    if EmptyForm().validate_on_submit():
        attempt(
            lambda: service.complete_evaluation(
                db_session(), tender=tender, actor=current_user, now=clock.now()
            ),
            success="De beoordeling is afgerond: status beoordeeld.",
        )
    return redirect(url_for("evaluation.progress", tender_id=tender.id))


def _export_rows(
    session: Session, tender: Tender, versions: Sequence[submitted.SubmittedBid]
) -> tuple[list[list[Any]], list[list[Any]]]:
    """The individual and the consensus rows, from column queries (no ORM rows) and the
    received ``versions`` (those stored with the outcome)."""
    criteria = {c.id: c.code for c in tender.criteria}
    # blind code, name and KvK number as received, worked out once per bid
    bids = {
        v.bid_id: (v.blind_code, v.organisation.name, v.organisation.kvk_number) for v in versions
    }
    scores = session.execute(
        select(
            Score.bid_id, Score.criterion_id, Score.evaluator_id, Score.score,
            Score.motivation, Score.updated_at,
        )
        .join(Score.bid)
        .where(Bid.tender_id == tender.id, Score.set_aside_at.is_(None))
    ).all()  # fmt: skip
    consensus = session.execute(
        select(
            ConsensusScore.bid_id, ConsensusScore.criterion_id, ConsensusScore.score,
            ConsensusScore.motivation, ConsensusScore.recorded_by_id, ConsensusScore.recorded_at,
            ConsensusScore.version,
        )
        .join(ConsensusScore.bid)
        .where(Bid.tender_id == tender.id, ConsensusScore.reopened_at.is_(None))
    ).all()  # fmt: skip
    user_ids = {row.evaluator_id for row in scores} | {row.recorded_by_id for row in consensus}
    users = dict(session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())
    individual = [
        [
            *bids[s.bid_id],
            criteria[s.criterion_id],
            users[s.evaluator_id],
            s.score,
            s.motivation,
            s.updated_at,
        ]
        for s in scores
        if s.bid_id in bids
    ]
    agreed = [
        [
            *bids[c.bid_id],
            criteria[c.criterion_id],
            c.score,
            c.motivation,
            users[c.recorded_by_id],
            c.recorded_at,
            c.version,
        ]
        for c in consensus
        if c.bid_id in bids
    ]
    key = lambda row: (row[0], row[3])  # noqa: E731
    return sorted(individual, key=key), sorted(agreed, key=key)


def _export(tender: Tender, kind: str) -> Response:
    session = db_session()
    # The outcome (from its cache) is read once, and only by the exports that show it; the
    # score rows are loaded only by the exports that list them.
    outcome = tender_outcome(session, tender) if kind in ("uitslag", "xlsx") else None
    versions = outcome.bids if outcome is not None else award_outcome.received(session, tender)
    individual: list[list[Any]] = []
    consensus: list[list[Any]] = []
    if kind != "uitslag":
        with collector.paused():  # ~10^4 score rows, kept until the file is written
            individual, consensus = _export_rows(session, tender, versions)
    audit.record(
        session,
        actor=current_user,
        action="scores.export",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=clock.now(),
        details={"soort": kind},
    )
    session.commit()
    base = f"scores-{tender.reference}"
    if outcome is None:
        header = exports.INDIVIDUAL_HEADER if kind == "individueel" else exports.CONSENSUS_HEADER
        content = exports.to_csv(header, individual if kind == "individueel" else consensus)
        return download(content, f"{base}-{kind}.csv", "text/csv; charset=utf-8")
    result_header = exports.result_header([c.code for c in outcome.rules.criteria])
    results = exports.result_rows(outcome)
    if kind == "uitslag":
        content = exports.to_csv(result_header, results)
        return download(content, f"{base}-uitslag.csv", "text/csv; charset=utf-8")
    content = exports.to_xlsx(
        [
            ("Uitslag per perceel", result_header, results),
            ("Individuele scores", exports.INDIVIDUAL_HEADER, individual),
            ("Consensusscores", exports.CONSENSUS_HEADER, consensus),
        ]
    )
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return download(content, f"{base}.xlsx", mimetype)


@officer_bp.route("/export/<any(individueel, consensus, uitslag, xlsx):kind>")
def export(tender_id: int, kind: str) -> Response:
    tender = load_tender(tender_id, Permission.SCORES_EXPORT)
    _require_opened(tender)
    return _export(tender, kind)


# -- the committee: declaration, blind scoring, consensus ---------------------------------------


def _later_conflict_form(
    session, tender: Tender, member: CommitteeMember, formdata: Any = None
) -> LaterConflictForm | None:  # type: ignore[no-untyped-def]
    """The "band melden" form: the organisations the member declared no band with yet."""
    if member.declaration is None or tender.state != TenderState.OPENED:
        return None
    banded = service.banded(member)
    form = LaterConflictForm(formdata=formdata)
    form.organisation.choices = [("", "Kies een organisatie")] + [
        (b.kvk_number, b.label)
        for b in service.bidders(session, tender)
        if b.organisation_id not in banded
    ]
    return form if len(form.organisation.choices) > 1 else None


def _render_home(tender: Tender, member: CommitteeMember, conflict_form: Any = None) -> str:
    session = db_session()
    queue: list[dict[str, Any]] = []
    if member.declaration is not None and tender.state in service.READING_STATES:
        excluded = service.excluded_bid_ids(session, tender)
        members = service.scorers(session, tender)
        bands = service.bands_of({member, *members})
        bids = sorted(
            service.received_bids(session, tender, with_submissions=False),
            key=lambda b: b.blind_number or 0,
        )
        all_scores = service.scores_by_bid(session, tender)
        agreed = service.consensus_by_bid(session, tender)
        for bid in bids:
            if not service.may_read_bid(member, bid, excluded, bands):
                continue
            scores = all_scores[bid.id]
            evaluators = service.evaluators_for(members, bid, bands)
            queue.append(
                {
                    "bid": bid,
                    "own": sum(1 for s in scores if s.evaluator_id == member.user_id),
                    "consensus_open": service.consensus_open(
                        bid, tender.criteria, evaluators, scores
                    ),
                    "agreed": len(agreed[bid.id]),
                }
            )
    return render_template(
        "evaluation/committee_home.html",
        tender=tender,
        member=member,
        queue=queue,
        criteria_count=len(tender.criteria),
        bands=[a for a in member.declaration.answers if a.band] if member.declaration else [],
        conflict_form=conflict_form or _later_conflict_form(session, tender, member),
    )


@committee_bp.route("/")
def tender_home(tender_id: int) -> str:
    tender, member = load_membership(tender_id)
    return _render_home(tender, member)


@committee_bp.route("/band-melden", methods=["POST"])
def declare_conflict(tender_id: int):  # type: ignore[no-untyped-def]
    """A band found after signing: the bid leaves the member's queue, its scores are set aside."""
    tender, member = load_membership(tender_id)
    session = db_session()
    form = _later_conflict_form(session, tender, member, formdata=request.form)
    if form is None:
        flash("Er is geen organisatie meer waarmee u een band kunt melden.", "error")
        return redirect(url_for("committee.tender_home", tender_id=tender.id))
    if form.validate_on_submit():
        try:
            service.declare_conflict_later(
                session,
                member=member,
                kvk_number=form.organisation.data,
                explanation=form.explanation.data,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            form.explanation.errors = [str(error)]
        else:
            session.commit()
            flash(
                "Uw band is gemeld. U beoordeelt die inschrijving niet meer; uw scores "
                "daarop zijn terzijde gelegd.",
                "success",
            )
            return redirect(url_for("committee.tender_home", tender_id=tender.id))
    return _render_home(tender, member, form)


@committee_bp.route("/verklaring", methods=["GET", "POST"])
def declaration(tender_id: int):  # type: ignore[no-untyped-def]
    """One answer per bidding organisation (by name and KvK number, never by blind code)."""
    tender, member = load_membership(tender_id)
    session = db_session()
    listed = service.bidders(session, tender)
    form = DeclarationForm()
    answers: dict[str, service.Answer] = {}
    problems: dict[str, str] = {}
    if request.method == "POST" and member.declaration is None and listed:
        answers = posted_answers(request.form)
        problems = service.answer_problems(listed, answers)
        if form.validate_on_submit() and not problems:
            try:
                service.sign_declaration(
                    session,
                    member=member,
                    answers=answers,
                    statement=form.statement.data or "",
                    now=clock.now(),
                )
            except DomainError as error:
                _flash_error(error)
            else:
                session.commit()
                flash("Uw verklaring is ondertekend.", "success")
                return redirect(url_for("committee.tender_home", tender_id=tender.id))
    return render_template(
        "evaluation/declaration.html",
        tender=tender,
        member=member,
        form=form,
        bidders=listed,
        problems=problems,
        unknown=[p for kvk, p in problems.items() if kvk not in {b.kvk_number for b in listed}],
    )


def _attachment_statuses(bid: Bid) -> dict[str, str]:
    """Which plan attachments the committee may open, by criterion code (never the
    original: see ``attachments``); a copy made on first sight is kept."""
    session = db_session()
    statuses = attachments.committee_statuses(
        session,
        bid=bid,
        version=submitted_version(bid),
        uploads_dir=uploads.uploads_dir(current_app.instance_path),
        now=clock.now(),
    )
    session.commit()
    return statuses


def _score_forms(
    tender: Tender, own: dict[int, Score], posted: tuple[int, ScoreForm] | None
) -> dict[int, ScoreForm]:
    choices = [(level.score, f"{level.score} – {level.label}") for level in tender.scale_levels]
    forms = {}
    for criterion in tender.criteria:
        if posted is not None and posted[0] == criterion.id:
            form = posted[1]
        else:
            existing = own.get(criterion.id)
            form = ScoreForm(
                formdata=None,
                prefix=f"c{criterion.id}",
                data={"score": existing.score, "motivation": existing.motivation}
                if existing
                else None,
            )
        form.score.choices = choices
        forms[criterion.id] = form
    return forms


@committee_bp.route("/inschrijving/<int:number>", methods=["GET", "POST"])
def score_bid(tender_id: int, number: int):  # type: ignore[no-untyped-def]
    tender, member, members = load_committee(tender_id)
    bid, excluded = load_blind_bid(tender, member, number)
    session = db_session()
    posted = None
    status = 200
    if request.method == "POST":
        criterion = get_or_404(Criterion, request.form.get("criterion_id", type=int) or 0)
        form = ScoreForm(prefix=f"c{criterion.id}")
        form.score.choices = [(level.score, level.label) for level in tender.scale_levels]
        posted = (criterion.id, form)
        if form.validate_on_submit():
            try:
                service.save_score(
                    session,
                    member=member,
                    bid=bid,
                    criterion=criterion,
                    score=form.score.data,
                    motivation=form.motivation.data,
                    minimum_motivation=current_app.config["MIN_MOTIVATION_CHARS"],
                    excluded=excluded,
                    now=clock.now(),
                )
            except DomainError as error:
                session.rollback()
                form.motivation.errors = [str(error)]
                status = 409 if isinstance(error, service.ScoreFrozen) else 200
            else:
                session.commit()
                flash(f"Uw score voor {criterion.code} is opgeslagen.", "success")
                return redirect(
                    url_for("committee.score_bid", tender_id=tender.id, number=number)
                    + f"#criterium-{criterion.code}"
                )
    scores = service.scores_for(session, bid)
    own = {s.criterion_id: s for s in scores if s.evaluator_id == member.user_id}
    return render_template(
        "evaluation/score_bid.html",
        tender=tender,
        member=member,
        bid=bid,
        plans=service.blind_plans(submitted_version(bid), bid.organisation),
        attachment_statuses=_attachment_statuses(bid),
        forms=_score_forms(tender, own, posted),
        posted_id=posted[0] if posted is not None else None,
        own=own,
        consensus=service.consensus_for(session, bid),
        consensus_open=service.consensus_open(
            bid, tender.criteria, service.evaluators_for(members, bid), scores
        ),
        editable=tender.state == TenderState.OPENED,
        minimum_motivation=current_app.config["MIN_MOTIVATION_CHARS"],
    ), status


@committee_bp.route("/inschrijving/<int:number>/bijlage/<int:criterion_id>.pdf")
def plan_attachment(tender_id: int, number: int, criterion_id: int) -> Response:
    tender, member = load_membership(tender_id)
    bid, _ = load_blind_bid(tender, member, number)
    criterion = get_or_404(Criterion, criterion_id)
    version = submitted_version(bid)
    plan = version.plans.get(criterion.code)
    if criterion.tender_id != tender.id or plan is None or plan.attachment is None:
        abort(404)
    session = db_session()
    content = attachments.committee_content(
        session,
        bid=bid,
        version=version,
        file=plan.attachment,
        uploads_dir=uploads.uploads_dir(current_app.instance_path),
        now=clock.now(),
    )
    session.commit()  # a copy made on this first request is kept
    if content is None:  # held back or withheld: answered as for a missing file
        abort(404)
    return download(content, f"{bid.blind_code.replace(' ', '-')}-{criterion.code}.pdf")


def _tender_criterion(tender: Tender, raw: str | None) -> Criterion:
    """The criterion a committee form names, or 404 (unknown, malformed, other tender)."""
    criterion = get_or_404(Criterion, int(raw) if raw and raw.isdigit() else 0)
    if criterion.tender_id != tender.id:
        abort(404)
    return criterion


def _require_chair(member: CommitteeMember, bid: Bid, excluded: set[int]) -> None:
    """Only the chair acts on consensus; asked after the bid loaded, so it tells nothing
    about bids the member may not see (those answered 404 already)."""
    context = CommitteeContext(member, bid, frozenset(excluded))
    if not can(current_user, Permission.CONSENSUS_WRITE, context, clock.now()):
        abort(403)


def _consensus_page(
    tender: Tender,
    member: CommitteeMember,
    bid: Bid,
    *,
    is_open: bool,
    scores: list[Score],
    posted: ConsensusForm | None = None,
    reopen_posted: ReopenConsensusForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The consensus page; a refused form is shown again with what was typed."""
    session = db_session()
    choices = [(level.score, f"{level.score} – {level.label}") for level in tender.scale_levels]
    stored = service.stored_consensus(session, bid)
    agreed = {cid: c for cid, c in stored.items() if c.reopened_at is None}
    forms: dict[int, ConsensusForm] = {}
    reopen_forms: dict[int, ReopenConsensusForm] = {}
    for criterion in tender.criteria:
        current = stored.get(criterion.id)
        version = current.version if current else ""
        if posted is not None and posted.criterion_id.data == str(criterion.id):
            form = posted
        else:
            shown = agreed.get(criterion.id)
            form = ConsensusForm(
                formdata=None,
                data={
                    "criterion_id": criterion.id,
                    "version": version,
                    "score": shown.score if shown else None,
                    "motivation": shown.motivation if shown else "",
                },
            )
        form.score.choices = choices
        forms[criterion.id] = form
        if reopen_posted is not None and reopen_posted.criterion_id.data == str(criterion.id):
            reopen_forms[criterion.id] = reopen_posted
        else:
            reopen_forms[criterion.id] = ReopenConsensusForm(
                formdata=None, data={"criterion_id": criterion.id, "version": version}
            )
    by_criterion: dict[int, list[Score]] = defaultdict(list)
    for score in scores:
        by_criterion[score.criterion_id].append(score)
    return render_template(
        "evaluation/consensus.html",
        tender=tender,
        member=member,
        bid=bid,
        plans=service.blind_plans(submitted_version(bid), bid.organisation),
        is_open=is_open,
        scores=by_criterion,
        spread={cid: service.spread(items) for cid, items in by_criterion.items()},
        agreed=agreed,
        reopened={cid: c for cid, c in stored.items() if c.reopened_at is not None},
        forms=forms,
        reopen_forms=reopen_forms,
        open_form=OpenConsensusForm(),
        editable=tender.state == TenderState.OPENED and member.is_chair,
    ), status


def _consensus_state(
    tender: Tender, bid: Bid, members: list[CommitteeMember]
) -> tuple[bool, list[Score]]:
    """Whether the bid's consensus phase is open, and its individual scores."""
    session = db_session()
    scores = service.scores_for(session, bid)
    evaluators = service.evaluators_for(members, bid)
    return service.consensus_open(bid, tender.criteria, evaluators, scores), scores


@committee_bp.route("/consensus/<int:number>", methods=["GET", "POST"])
def consensus(tender_id: int, number: int):  # type: ignore[no-untyped-def]
    tender, member, members = load_committee(tender_id)
    bid, excluded = load_blind_bid(tender, member, number)
    session = db_session()
    is_open, scores = _consensus_state(tender, bid, members)
    if not is_open and not member.is_chair:
        flash("De consensusfase van deze inschrijving is nog niet open.", "error")
        return redirect(url_for("committee.score_bid", tender_id=tender.id, number=number))
    if request.method == "GET":
        return _consensus_page(tender, member, bid, is_open=is_open, scores=scores)
    _require_chair(member, bid, excluded)
    posted = ConsensusForm()
    posted.score.choices = [(level.score, level.label) for level in tender.scale_levels]
    criterion = _tender_criterion(tender, posted.criterion_id.data)
    status = 200
    if posted.validate_on_submit():
        try:
            service.record_consensus(
                session,
                member=member,
                bid=bid,
                criterion=criterion,
                score=posted.score.data,
                motivation=posted.motivation.data,
                expected_version=int(posted.version.data) if posted.version.data else None,
                minimum_motivation=current_app.config["MIN_MOTIVATION_CHARS"],
                excluded=excluded,
                is_open=is_open,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            posted.motivation.errors = [str(error)]
            status = 409 if isinstance(error, service.ConcurrentEdit) else 200
        else:
            session.commit()
            flash(f"De consensusscore voor {criterion.code} is vastgelegd.", "success")
            return redirect(
                url_for("committee.consensus", tender_id=tender.id, number=number)
                + f"#criterium-{criterion.code}"
            )
    return _consensus_page(
        tender, member, bid, is_open=is_open, scores=scores, posted=posted, status=status
    )


@committee_bp.route("/consensus/<int:number>/heropenen", methods=["POST"])
def reopen_consensus(tender_id: int, number: int):  # type: ignore[no-untyped-def]
    tender, member = load_membership(tender_id)
    bid, excluded = load_blind_bid(tender, member, number)
    _require_chair(member, bid, excluded)
    session = db_session()
    form = ReopenConsensusForm()
    criterion = _tender_criterion(tender, form.criterion_id.data)
    status = 200
    if form.validate_on_submit():
        try:
            service.reopen_consensus(
                session,
                member=member,
                bid=bid,
                criterion=criterion,
                reason=form.reason.data,
                expected_version=int(form.version.data) if form.version.data.isdigit() else None,
                excluded=excluded,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            form.reason.errors = [str(error)]
            status = 409 if isinstance(error, service.ConcurrentEdit) else 200
        else:
            session.commit()
            flash(
                f"De consensus voor {criterion.code} is heropend: de individuele scores kunnen "
                "weer worden gewijzigd en de consensus moet opnieuw worden vastgelegd.",
                "success",
            )
            return redirect(
                url_for("committee.consensus", tender_id=tender.id, number=number)
                + f"#criterium-{criterion.code}"
            )
    is_open, scores = _consensus_state(tender, bid, service.scorers(session, tender))
    return _consensus_page(
        tender, member, bid, is_open=is_open, scores=scores, reopen_posted=form, status=status
    )


@committee_bp.route("/consensus/<int:number>/openen", methods=["POST"])
def open_consensus(tender_id: int, number: int) -> WerkzeugResponse:
    tender, member = load_membership(tender_id)
    bid, excluded = load_blind_bid(tender, member, number)
    _require_chair(member, bid, excluded)
    form = OpenConsensusForm()
    if form.validate_on_submit():
        try:
            service.open_consensus(
                db_session(), member=member, bid=bid, reason=form.reason.data, now=clock.now()
            )
        except DomainError as error:
            _flash_error(error)
        else:
            db_session().commit()
            flash(f"De consensusfase van {bid.blind_code} is geopend.", "success")
    else:
        flash(
            "Geef kort aan waarom de consensusfase eerder wordt geopend (minstens 10 tekens).",
            "error",
        )
    return redirect(url_for("committee.consensus", tender_id=tender.id, number=number))
