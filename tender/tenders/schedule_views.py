"""The inkoper moves the dates of a published tender (``tender.tenders.schedule``)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tender import clock, notifications, timefmt
from tender.access import load_tender
from tender.db import db_session
from tender.documents.service import documents_dir
from tender.errors import DomainError
from tender.permissions import Permission
from tender.qa import service as qa
from tender.tenders import schedule
from tender.tenders.models import Tender
from tender.tenders.schedule_forms import ScheduleChangeForm
from tender.tenders.schedule_models import ScheduleChange

bp = Blueprint("schedule", __name__)


def _notify_providers(change: ScheduleChange) -> None:
    """Mail every provider account the same message; a failed send never undoes the change."""
    subject, body = schedule.change_notification(
        change, nota_url=url_for("qa.nota", tender_id=change.tender_id, _external=True)
    )
    try:
        notifications.send_mail(
            current_app.config,
            instance_path=current_app.instance_path,
            to=qa.provider_addresses(db_session()),
            subject=subject,
            body=body,
            now=clock.now(),
        )
    except notifications.MailNotSent as error:
        current_app.logger.error(
            "notification of schedule change %s of tender %s failed: %s",
            change.number,
            change.tender_id,
            error,
        )
        flash(
            f"De e-mail aan {timefmt.count_of(error.unsent, 'aanbieder', 'aanbieders')} "
            "kon niet worden verzonden "
            f"({error.cause}). De berichten staan in de uitgaande berichten; "
            "laat de beheerder van de server ze opnieuw verzenden.",
            "warning",
        )
    except OSError:
        current_app.logger.exception(
            "notification of schedule change %s of tender %s could not be stored",
            change.number,
            change.tender_id,
        )
        flash(
            "De aanbieders konden niet per e-mail worden bericht: de berichten konden niet "
            "worden verzonden of bewaard. Meld dit bij de beheerder en informeer de "
            "aanbieders zelf.",
            "warning",
        )


def _prefill(form: ScheduleChangeForm, tender: Tender) -> None:
    for moment in ScheduleChangeForm.MOMENTS:
        value = getattr(tender, moment)
        if value is not None:
            local = timefmt.to_local(value)
            getattr(form, f"{moment}_date").data = local.date()
            getattr(form, f"{moment}_time").data = local.time()


@bp.route("/aanbestedingen/<int:tender_id>/planning-wijzigen", methods=["GET", "POST"])
def change(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.TENDER_SCHEDULE)
    session = db_session()
    now = clock.now()
    form = ScheduleChangeForm()
    allowed = schedule.change_allowed(tender, now)
    consequence: str | None = None
    if request.method == "GET":
        _prefill(form, tender)
    elif allowed and form.validate_on_submit():
        moments = {moment: form.moment(moment) for moment in ScheduleChangeForm.MOMENTS}
        new = schedule.new_dates(tender, **moments)
        problems = schedule.change_problems(session, tender, new, reason=form.reason.data, now=now)
        for name, message in problems.items():
            target = form.reason if name == "reason" else getattr(form, f"{name}_date")
            target.errors = [message]
        if not problems:
            confirmed = bool(
                form.confirm_shortening.data
                and form.confirmed_deadline.data == new.submission_deadline.isoformat()
            )
            try:
                made = schedule.change_schedule(
                    session,
                    tender=tender,
                    actor=current_user,
                    now=now,
                    storage_dir=documents_dir(current_app.instance_path),
                    reason=form.reason.data,
                    confirm_shortening=confirmed,
                    **moments,
                )
            except schedule.ShorteningNotConfirmed as error:
                session.rollback()
                consequence = str(error)
                form.confirmed_deadline.data = new.submission_deadline.isoformat()
                form.confirm_shortening.data = False
                if form.confirm_shortening.raw_data:
                    form.confirm_shortening.errors = [
                        "De datum is gewijzigd sinds u bevestigde; bevestig opnieuw."
                    ]
            except DomainError as error:
                session.rollback()
                flash(str(error), "error")
            else:
                session.commit()
                flash(
                    f"De planning is gewijzigd en gepubliceerd als nota van inlichtingen "
                    f"{made.qa_round.number}. Alle aanbieders krijgen bericht.",
                    "success",
                )
                _notify_providers(made)
                return redirect(url_for("tenders.show", tender_id=tender.id))
    return render_template(
        "tenders/schedule_change.html",
        tender=tender,
        form=form,
        allowed=allowed,
        consequence=consequence,
        has_bids=schedule.has_bids(session, tender) if allowed else False,
        changes=schedule.schedule_changes(session, tender),
    )
