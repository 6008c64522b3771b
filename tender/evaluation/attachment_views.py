"""Held-back plan attachments (inkoper): the matches in context, a redacted preview,
release of the redacted version or refusal with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from tender import clock
from tender.access import get_or_404, load_tender
from tender.actions import attempt
from tender.bids import submitted, uploads
from tender.db import db_session
from tender.downloads import download
from tender.errors import DomainError
from tender.evaluation import attachments, service
from tender.evaluation.attachments import Finding, finding_of
from tender.evaluation.forms import WithholdForm
from tender.evaluation.models import AttachmentCopy
from tender.permissions import Permission
from tender.tenders.forms import EmptyForm
from tender.tenders.models import Tender

bp = Blueprint("attachments", __name__, url_prefix="/aanbestedingen/<int:tender_id>/bijlagen")


@dataclass(frozen=True)
class ReviewedCopy:
    """A copy with what the page says about it: which bid, which criteria, what file."""

    copy: AttachmentCopy
    blind_code: str
    organisation: str
    criteria: tuple[str, ...]
    filename: str
    findings: tuple[Finding, ...]


def _reviewed(copy: AttachmentCopy) -> ReviewedCopy:
    version = submitted.submitted_version(copy.bid)
    plans = [
        plan
        for plan in (version.plans.values() if version else ())
        if plan.attachment is not None and plan.attachment.sha256 == copy.source_sha256
    ]
    return ReviewedCopy(
        copy=copy,
        blind_code=copy.bid.blind_code,
        organisation=version.organisation.name if version else copy.bid.organisation.name,
        criteria=tuple(plan.criterion for plan in plans),
        filename=plans[0].attachment.filename if plans and plans[0].attachment else "",
        findings=tuple(finding_of(item) for item in copy.findings),
    )


def _load(tender_id: int) -> Tender:
    tender = load_tender(tender_id, Permission.ATTACHMENT_REVIEW)
    if tender.state not in service.READING_STATES:
        flash("Dit kan pas na de opening van de inschrijvingen.", "error")
        abort(redirect(url_for("tenders.show", tender_id=tender.id)))
    return tender


def _copy_of(tender: Tender, copy_id: int) -> AttachmentCopy:
    copy = get_or_404(AttachmentCopy, copy_id)
    if copy.bid.tender_id != tender.id:
        abort(404)
    return copy


def _uploads_dir() -> Path:
    return uploads.uploads_dir(current_app.instance_path)


def _page(tender: Tender, forms: dict[int, WithholdForm] | None = None) -> str:
    reviewed = [
        _reviewed(copy)
        for copy in attachments.copies_of(db_session(), tender)
        if copy.status != attachments.CLEAN
    ]
    forms = forms or {}
    return render_template(
        "evaluation/held_attachments.html",
        tender=tender,
        reviewed=reviewed,
        button_form=EmptyForm(),
        forms={
            item.copy.id: forms.get(item.copy.id)
            or WithholdForm(formdata=None, prefix=f"b{item.copy.id}")
            for item in reviewed
        },
        statuses=attachments,
    )


@bp.route("/")
def review(tender_id: int) -> str:
    return _page(_load(tender_id))


@bp.route("/<int:copy_id>/voorbeeld.pdf")
def preview(tender_id: int, copy_id: int) -> Response:
    tender = _load(tender_id)
    copy = _copy_of(tender, copy_id)
    session = db_session()
    try:
        content = attachments.redacted_preview(
            session, copy=copy, uploads_dir=_uploads_dir(), actor=current_user, now=clock.now()
        )
    except DomainError as error:
        session.rollback()
        flash(str(error), "error")
        abort(redirect(url_for("attachments.review", tender_id=tender.id)))
    session.commit()
    return download(content, f"{copy.bid.blind_code.replace(' ', '-')}-voorbeeld-geredigeerd.pdf")


@bp.route("/<int:copy_id>/vrijgeven", methods=["POST"])
def release(tender_id: int, copy_id: int) -> WerkzeugResponse:
    tender = _load(tender_id)
    copy = _copy_of(tender, copy_id)
    if EmptyForm().validate_on_submit():
        attempt(
            lambda: attachments.release(
                db_session(),
                copy=copy,
                uploads_dir=_uploads_dir(),
                actor=current_user,
                now=clock.now(),
            ),
            success=(
                f"De geredigeerde bijlage van {copy.bid.blind_code} is vrijgegeven voor de "
                "commissie."
            ),
        )
    return redirect(url_for("attachments.review", tender_id=tender.id))


@bp.route("/<int:copy_id>/weigeren", methods=["POST"])
def withhold(tender_id: int, copy_id: int):  # type: ignore[no-untyped-def]
    tender = _load(tender_id)
    copy = _copy_of(tender, copy_id)
    form = WithholdForm(prefix=f"b{copy.id}")
    if form.validate_on_submit():
        session = db_session()
        try:
            attachments.withhold(
                session,
                copy=copy,
                reason=form.reason.data or "",
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            form.reason.errors = [str(error)]
        else:
            session.commit()
            flash(f"De bijlage van {copy.bid.blind_code} is geweigerd.", "success")
            return redirect(url_for("attachments.review", tender_id=tender.id))
    return _page(tender, {copy.id: form})
