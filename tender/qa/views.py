"""Questions and the nota van inlichtingen; the outbox of messages not sent by SMTP.

Providers see only their own organisation's questions and the published,
anonymised rounds. The inkoper sees every question without its asker unless it
asks to see it (which is written to the audit trail).
"""

from __future__ import annotations

import dataclasses

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

from tender import clock, notifications
from tender.access import get_or_404, load_tender, require
from tender.accounts.models import Organisation
from tender.actions import attempt
from tender.db import db_session
from tender.documents.service import documents_dir, read_document
from tender.downloads import download
from tender.errors import DomainError
from tender.permissions import Permission
from tender.qa import service
from tender.qa.forms import (
    AnswerForm,
    EditQuestionForm,
    MergeForm,
    OwnQuestionForm,
    PublishRoundForm,
    QuestionForm,
)
from tender.qa.models import QaRound, Question
from tender.tenders.models import Tender
from tender.timefmt import count_of

bp = Blueprint("qa", __name__)


def _published_rounds(tender: Tender) -> list[QaRound]:
    return list(
        db_session().scalars(
            select(QaRound)
            .where(QaRound.tender_id == tender.id)
            .options(selectinload(QaRound.questions), selectinload(QaRound.document))
            .order_by(QaRound.number)
        )
    )


def _load_question(tender: Tender, question_id: int) -> Question:
    question = get_or_404(Question, question_id)
    if question.tender_id != tender.id:
        abort(404)
    return question


@bp.route("/aanbestedingen/<int:tender_id>/vragen", methods=["GET", "POST"])
def questions(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.QUESTION_ASK)
    form = QuestionForm()
    form.set_sections(service.section_choices(tender))
    now = clock.now()
    if form.validate_on_submit():
        session = db_session()
        try:
            service.ask_question(
                session,
                tender=tender,
                actor=current_user,
                section=form.section.data,
                text=form.text.data,
                now=now,
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash(
                "Uw vraag is ontvangen. Het antwoord verschijnt in de nota van inlichtingen, "
                "gelijktijdig voor alle aanbieders.",
                "success",
            )
            return redirect(url_for("qa.questions", tender_id=tender.id))
    own = (
        db_session()
        .scalars(
            select(Question)
            .where(
                Question.tender_id == tender.id,
                # Never "IS NULL": that would list the inkoper's own questions.
                Question.organisation_id == current_user.organisation_id,
                Question.organisation_id.is_not(None),
            )
            .options(selectinload(Question.qa_round), selectinload(Question.merged_into))
            .order_by(Question.id)
        )
        .all()
    )
    return render_template(
        "qa/questions.html",
        tender=tender,
        form=form,
        questions=own,
        published_as=service.published_as,
        questions_open=service.questions_open(tender, now),
    )


@bp.route("/aanbestedingen/<int:tender_id>/nota-van-inlichtingen")
def nota(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.QA_READ)
    return render_template("qa/nota.html", tender=tender, rounds=_published_rounds(tender))


@bp.route("/aanbestedingen/<int:tender_id>/nota-van-inlichtingen/<int:number>.pdf")
def nota_pdf(tender_id: int, number: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.QA_READ)
    qa_round = db_session().scalar(
        select(QaRound).where(QaRound.tender_id == tender.id, QaRound.number == number)
    )
    if qa_round is None or qa_round.document is None:
        abort(404)
    document = qa_round.document
    # A missing or changed file is answered by tender.downloads.stored_file_unavailable.
    content = read_document(document, storage_dir=documents_dir(current_app.instance_path))
    return download(content, document.filename)


def _manage_page(tender: Tender, revealed: tuple[int, Organisation] | None = None) -> str:
    all_questions = (
        db_session()
        .scalars(
            select(Question)
            .where(Question.tender_id == tender.id)
            .options(selectinload(Question.qa_round))
            .order_by(Question.id)
        )
        .all()
    )
    open_questions = service.publication_order(
        tender, [q for q in all_questions if q.qa_round_id is None and q.merged_into_id is None]
    )
    return render_template(
        "qa/manage.html",
        tender=tender,
        open_questions=open_questions,
        merged=[q for q in all_questions if q.merged_into_id is not None],
        published=[q for q in all_questions if q.qa_round_id is not None],
        revealed=revealed,
        pending=sum(1 for q in open_questions if q.answer is not None),
    )


@bp.route("/aanbestedingen/<int:tender_id>/vragen/beheer")
def manage(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.QA_MANAGE)
    return _manage_page(tender)


@bp.route(
    "/aanbestedingen/<int:tender_id>/vragen/<int:question_id>/aanbieder-tonen", methods=["POST"]
)
def reveal_asker(tender_id: int, question_id: int):  # type: ignore[no-untyped-def]
    """Show who asked a question: a POST (it writes an audit event), answered with the
    page itself rather than a redirect, so that the name is never kept in a URL or in the
    session cookie. Reloading asks the browser to post again, and is audited again."""
    tender = load_tender(tender_id, Permission.QA_MANAGE)
    question = _load_question(tender, question_id)
    session = db_session()
    try:
        organisation = service.reveal_asker(
            session, question=question, actor=current_user, now=clock.now()
        )
    except DomainError as error:  # the inkoper's own question: nobody to reveal
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("qa.manage", tender_id=tender.id))
    session.commit()
    return _manage_page(tender, (question.id, organisation))


@bp.route(
    "/aanbestedingen/<int:tender_id>/vragen/<int:question_id>/antwoord", methods=["GET", "POST"]
)
def answer(tender_id: int, question_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.QA_MANAGE)
    question = _load_question(tender, question_id)
    form = AnswerForm()
    if request.method == "GET" and question.answer is not None:
        form.answer.data = question.answer
    if form.validate_on_submit():
        session = db_session()
        try:
            service.answer_question(
                session,
                question=question,
                answer=form.answer.data,
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash("Het antwoord is opgeslagen als concept.", "success")
            return redirect(url_for("qa.manage", tender_id=tender.id))
    return render_template("qa/answer.html", tender=tender, question=question, form=form)


@bp.route(
    "/aanbestedingen/<int:tender_id>/vragen/<int:question_id>/bewerken", methods=["GET", "POST"]
)
def edit_question(tender_id: int, question_id: int):  # type: ignore[no-untyped-def]
    """Edit the wording (e.g. to anonymise it), topic and order of an unpublished question."""
    tender = load_tender(tender_id, Permission.QA_MANAGE)
    question = _load_question(tender, question_id)
    form = EditQuestionForm()
    form.set_sections(service.section_choices(tender))
    if request.method == "GET":
        form.text.data = question.text
        form.section.data = question.section
        form.position.data = question.position
    if form.validate_on_submit() and attempt(
        lambda: service.edit_question(
            db_session(),
            question=question,
            text=form.text.data,
            section=form.section.data,
            position=form.position.data,
            actor=current_user,
            now=clock.now(),
        ),
        success=f"Vraag {question.id} is bijgewerkt.",
    ):
        return redirect(url_for("qa.manage", tender_id=tender.id))
    return render_template("qa/edit.html", tender=tender, question=question, form=form)


def _mergeable(tender: Tender) -> list[Question]:
    return service.publication_order(
        tender,
        list(
            db_session().scalars(
                select(Question).where(
                    Question.tender_id == tender.id,
                    Question.qa_round_id.is_(None),
                    Question.merged_into_id.is_(None),
                )
            )
        ),
    )


@bp.route("/aanbestedingen/<int:tender_id>/vragen/samenvoegen", methods=["GET", "POST"])
def merge(tender_id: int):  # type: ignore[no-untyped-def]
    """Merge duplicate questions into one published question with one answer."""
    tender = load_tender(tender_id, Permission.QA_MANAGE)
    candidates = _mergeable(tender)
    form = MergeForm()
    form.set_questions([q.id for q in candidates])
    by_id = {q.id: q for q in candidates}
    if form.validate_on_submit() and attempt(
        lambda: service.merge_questions(
            db_session(),
            tender=tender,
            into=by_id[form.into.data],
            duplicates=[by_id[i] for i in form.duplicates.data],
            actor=current_user,
            now=clock.now(),
        ),
        success=(
            f"De vragen zijn samengevoegd met vraag {form.into.data}. Beantwoord die vraag; "
            "wie een samengevoegde vraag stelde, leest na publicatie onder welk nummer "
            "de vraag is beantwoord."
        ),
    ):
        return redirect(url_for("qa.manage", tender_id=tender.id))
    return render_template("qa/merge.html", tender=tender, form=form, candidates=candidates)


@bp.route("/aanbestedingen/<int:tender_id>/vragen/eigen-vraag", methods=["GET", "POST"])
def own_question(tender_id: int):  # type: ignore[no-untyped-def]
    """A question the inkoper raises itself, with its answer, for the next nota."""
    tender = load_tender(tender_id, Permission.QA_MANAGE)
    form = OwnQuestionForm()
    form.set_sections(service.section_choices(tender))
    if form.validate_on_submit():
        session = db_session()
        try:
            question = service.add_own_question(
                session,
                tender=tender,
                section=form.section.data,
                position=form.position.data,
                text=form.text.data,
                answer=form.answer.data,
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash(
                f"Eigen vraag {question.id} is toegevoegd; hij gaat mee in de volgende nota "
                "van inlichtingen.",
                "success",
            )
            return redirect(url_for("qa.manage", tender_id=tender.id))
    return render_template("qa/own_question.html", tender=tender, form=form)


def _notify_providers(tender: Tender, qa_round: QaRound) -> None:
    """Tell every provider; a failed send never undoes the publication (already committed)."""
    session = db_session()
    subject, body = service.round_notification(
        tender, qa_round, nota_url=url_for("qa.nota", tender_id=tender.id, _external=True)
    )
    try:
        notifications.send_mail(
            current_app.config,
            instance_path=current_app.instance_path,
            to=service.provider_addresses(session),
            subject=subject,
            body=body,
            now=clock.now(),
        )
    except notifications.MailNotSent as error:
        current_app.logger.error(
            "notification of nota %s of tender %s failed: %s", qa_round.number, tender.id, error
        )
        flash(
            f"De e-mail aan {count_of(error.unsent, 'aanbieder', 'aanbieders')} "
            "kon niet worden verzonden "
            f"({error.cause}). De berichten staan in de uitgaande berichten; "
            "laat de beheerder van de server ze opnieuw verzenden.",
            "warning",
        )
    except OSError:
        # Not even the outbox could be written: the nota is published all the same.
        current_app.logger.exception(
            "notification of nota %s of tender %s could not be stored", qa_round.number, tender.id
        )
        flash(
            "De aanbieders konden niet worden bericht: de berichten konden niet worden "
            "verzonden of bewaard. Meld dit bij de beheerder en informeer de aanbieders zelf.",
            "warning",
        )


@bp.route("/aanbestedingen/<int:tender_id>/vragen/publiceren", methods=["GET", "POST"])
def publish(tender_id: int):  # type: ignore[no-untyped-def]
    tender = load_tender(tender_id, Permission.QA_MANAGE)
    session = db_session()
    form = PublishRoundForm()
    if form.validate_on_submit():
        try:
            qa_round = service.publish_round(
                session,
                tender=tender,
                actor=current_user,
                now=clock.now(),
                storage_dir=documents_dir(current_app.instance_path),
            )
        except DomainError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash(
                f"Nota van inlichtingen {qa_round.number} is gepubliceerd en voor alle "
                "aanbieders zichtbaar.",
                "success",
            )
            _notify_providers(tender, qa_round)
            return redirect(url_for("qa.nota", tender_id=tender.id))
    pending = service.pending_questions(session, tender)
    unanswered = session.scalars(
        select(Question.id).where(
            Question.tender_id == tender.id,
            Question.answer.is_(None),
            Question.merged_into_id.is_(None),
        )
    ).all()
    return render_template(
        "qa/publish.html",
        tender=tender,
        form=form,
        # Numbered as they will be in the nota.
        pending=service.publication_order(tender, pending),
        unanswered=len(unanswered),
    )


HIDDEN_RECIPIENT = "een aanbieder (adres niet getoond)"


def _shown(messages: list[notifications.OutboxMessage]) -> list[notifications.OutboxMessage]:
    """Messages with every address that is not a staff account's hidden: a list of
    providers' addresses would tell who (probably) bid before the opening."""
    staff = service.staff_addresses(db_session())
    return [
        m if m.recipient.lower() in staff else dataclasses.replace(m, recipient=HIDDEN_RECIPIENT)
        for m in messages
    ]


@bp.route("/uitgaande-berichten")
def outbox():  # type: ignore[no-untyped-def]
    require(Permission.OUTBOX_READ)
    messages = _shown(notifications.outbox_messages(current_app.instance_path))
    return render_template("qa/outbox.html", messages=messages)


@bp.route("/uitgaande-berichten/<name>")
def outbox_message(name: str):  # type: ignore[no-untyped-def]
    require(Permission.OUTBOX_READ)
    message = notifications.outbox_message(current_app.instance_path, name)
    if message is None:
        abort(404)
    return render_template("qa/outbox_message.html", message=_shown([message])[0])
