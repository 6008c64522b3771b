"""Questions, answers and the nota van inlichtingen (DOMAIN.md rule 3: equal treatment).

Providers ask until the question deadline; the inkoper drafts answers and
publishes them as a numbered round, anonymised, to every provider at the same
moment. Publishing answers never moves a date: the dates of a published tender
move only through ``tender.tenders.schedule``, which publishes its own nota.

Before publication the inkoper may edit a question's wording (the provider's own
wording stays in ``asked_text`` and in the audit trail, and is never shown to other
providers), merge duplicates into one question, add questions of its own, and give
each question a topic (section) and an order. The published numbering follows
topic and order only (``publication_order``), never the asking order or the asker.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tender import audit
from tender.accounts.models import Organisation, Role, User
from tender.documents.qa_nota import QaNotaData, QaNotaItem, build_qa_nota
from tender.documents.service import QA_NOTA, store_document
from tender.errors import DomainError
from tender.qa.models import QaRound, Question
from tender.tenders.models import Tender, TenderState
from tender.timefmt import format_datetime_seconds

MAX_QUESTION_CHARS = 5000
MAX_ANSWER_CHARS = 10000
MAX_SECTION_CHARS = 200  # the column's length
MAX_POSITION = 9999

GENERAL = "Algemeen"
PROCEDURE = "Planning en procedure"
CONTRACT = "Raamovereenkomst en producten"

# Questions are shown to the inkoper without the asker; the audit trail must not
# name the asker either, or the logbook would undo that default.
ANONYMOUS_ASKER = "aanbieder (afgeschermd)"


class QaError(DomainError):
    pass


def _label(code: str, title: str) -> str:
    label = f"{code} – {title}"
    if len(label) > MAX_SECTION_CHARS:
        label = label[: MAX_SECTION_CHARS - 1] + "…"
    return label


def section_choices(tender: Tender) -> list[str]:
    """The parts of the tender a question can be about; the label is what is stored."""
    return [
        GENERAL,
        PROCEDURE,
        *(_label(r.code, r.title) for r in tender.requirements),
        *(_label(c.code, c.title) for c in tender.criteria),
        CONTRACT,
    ]


def questions_open(tender: Tender, now: datetime) -> bool:
    """Whether providers may ask now: published and before the question deadline (to the second)."""
    return (
        tender.state == TenderState.PUBLISHED
        and tender.question_deadline is not None
        and now < tender.question_deadline
    )


def ask_question(
    session: Session, *, tender: Tender, actor: User, section: str, text: str, now: datetime
) -> Question:
    """Record a provider's question about ``tender``."""
    if not questions_open(tender, now):
        if tender.state == TenderState.PUBLISHED and tender.question_deadline is not None:
            raise QaError(
                "De termijn voor vragen is verstreken op "
                f"{format_datetime_seconds(tender.question_deadline)}; "
                "er kunnen geen vragen meer worden gesteld."
            )
        raise QaError("Vragen stellen kan alleen zolang de aanbesteding gepubliceerd is.")
    if actor.organisation_id is None:
        raise QaError("Alleen een aanbieder kan vragen stellen.")
    text = (text or "").strip()
    if not text:
        raise QaError("Vul uw vraag in.")
    if len(text) > MAX_QUESTION_CHARS:
        raise QaError(
            f"Uw vraag is {len(text)} tekens lang; het maximum is {MAX_QUESTION_CHARS}. "
            "Maak de vraag korter of stel meerdere vragen."
        )
    section = (section or "").strip()
    if section and section not in section_choices(tender):
        raise QaError("Kies een onderdeel uit de lijst, of geen onderdeel.")
    question = Question(
        tender_id=tender.id,
        organisation_id=actor.organisation_id,
        asked_by_id=actor.id,
        section=section,
        text=text,
        asked_text=text,
        asked_at=now,
    )
    session.add(question)
    session.flush()
    audit.record(
        session,
        actor=None,
        actor_label=ANONYMOUS_ASKER,
        action="question.ask",
        object_type="question",
        object_id=question.id,
        tender_id=tender.id,
        now=now,
        details={"onderdeel": section},
    )
    return question


def answer_question(
    session: Session, *, question: Question, answer: str, actor: User, now: datetime
) -> None:
    """Save the (draft) answer; it can be changed until its round is published."""
    # Lock the row so that an answer cannot slip in while the round is being published.
    session.execute(select(Question.id).where(Question.id == question.id).with_for_update()).all()
    session.refresh(question)
    if question.qa_round_id is not None:
        raise QaError(
            "Deze vraag is al gepubliceerd in een nota van inlichtingen; "
            "het antwoord kan niet meer worden gewijzigd."
        )
    if question.merged_into_id is not None:
        raise QaError(
            f"Deze vraag is samengevoegd met vraag {question.merged_into_id}; beantwoord die vraag."
        )
    if question.tender.state != TenderState.PUBLISHED:
        raise QaError(
            "Vragen kunnen alleen worden beantwoord zolang de aanbesteding gepubliceerd is."
        )
    answer = (answer or "").strip()
    if not answer:
        raise QaError("Vul het antwoord in.")
    if len(answer) > MAX_ANSWER_CHARS:
        raise QaError(
            f"Het antwoord is {len(answer)} tekens lang; het maximum is {MAX_ANSWER_CHARS}."
        )
    first = question.answer is None
    question.answer = answer
    question.answered_by_id = actor.id
    question.answered_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="question.answer" if first else "question.answer_changed",
        object_type="question",
        object_id=question.id,
        tender_id=question.tender_id,
        now=now,
    )


def reveal_asker(
    session: Session, *, question: Question, actor: User, now: datetime
) -> Organisation:
    """The organisation that asked ``question``; every reveal is written to the audit trail."""
    if question.organisation is None:
        raise QaError("Dit is een eigen vraag van de aanbestedende dienst.")
    audit.record(
        session,
        actor=actor,
        action="question.reveal_asker",
        object_type="question",
        object_id=question.id,
        tender_id=question.tender_id,
        now=now,
    )
    return question.organisation


def pending_questions(session: Session, tender: Tender) -> list[Question]:
    """Answered questions not yet published: what the next round will contain."""
    return list(
        session.scalars(
            select(Question)
            .where(
                Question.tender_id == tender.id,
                Question.qa_round_id.is_(None),
                Question.merged_into_id.is_(None),
                Question.answer.is_not(None),
            )
            .order_by(Question.id)
            .execution_options(populate_existing=True)
        )
    )


def publication_order(tender: Tender, questions: list[Question]) -> list[Question]:
    """``questions`` in published order: by topic (in the order of the tender's
    sections; any other section after them, no section last), then by the inkoper's
    order, then by wording. Neither the asking order nor the asker plays a part."""
    sections = section_choices(tender)

    def key(question: Question) -> tuple[int, str, int, int, str]:
        section = question.section.strip()
        if section in sections:
            rank = sections.index(section)
        elif section:
            rank = len(sections)
        else:
            rank = len(sections) + 1
        position = question.position
        return (
            rank,
            section.casefold(),
            0 if position is not None else 1,
            position or 0,
            question.text.casefold(),
        )

    return sorted(questions, key=key)


def _check_editable(question: Question) -> None:
    if question.qa_round_id is not None:
        raise QaError(
            "Deze vraag is al gepubliceerd in een nota van inlichtingen en kan niet meer "
            "worden gewijzigd."
        )
    if question.merged_into_id is not None:
        raise QaError(
            f"Deze vraag is samengevoegd met vraag {question.merged_into_id}; wijzig die vraag."
        )
    if question.tender.state != TenderState.PUBLISHED:
        raise QaError(
            "Vragen kunnen alleen worden gewijzigd zolang de aanbesteding gepubliceerd is."
        )


def _lock_tender(session: Session, tender_id: int) -> None:
    """Take the lock ``publish_round`` takes, so that an edit or merge never interleaves
    with a publication (PostgreSQL; SQLite locks the whole file)."""
    session.execute(select(Tender.id).where(Tender.id == tender_id).with_for_update()).all()


def _lock(session: Session, question: Question) -> None:
    session.execute(select(Question.id).where(Question.id == question.id).with_for_update()).all()
    session.refresh(question)


def _clean_text(text: str, *, what: str, limit: int) -> str:
    text = (text or "").strip()
    if not text:
        raise QaError(f"Vul {what} in.")
    if len(text) > limit:
        raise QaError(f"{what.capitalize()} is {len(text)} tekens lang; het maximum is {limit}.")
    return text


def _clean_section(tender: Tender, section: str) -> str:
    section = (section or "").strip()
    if section and section not in section_choices(tender):
        raise QaError("Kies een onderdeel uit de lijst, of geen onderdeel.")
    return section


def _clean_position(position: int | None) -> int | None:
    if position is not None and not 1 <= position <= MAX_POSITION:
        raise QaError(f"De volgorde is een geheel getal van 1 tot en met {MAX_POSITION}.")
    return position


def edit_question(
    session: Session,
    *,
    question: Question,
    text: str,
    section: str,
    position: int | None,
    actor: User,
    now: datetime,
) -> None:
    """Change the wording, topic and order of an unpublished question.

    The provider's wording stays in ``asked_text``; the audit trail records the old
    and the new wording of every edit, and every change of topic or order.
    """
    _lock_tender(session, question.tender_id)
    _lock(session, question)
    _check_editable(question)
    text = _clean_text(text, what="de vraag", limit=MAX_QUESTION_CHARS)
    section = _clean_section(question.tender, section)
    position = _clean_position(position)
    old_text, old_section, old_position = question.text, question.section, question.position
    question.text = text
    question.section = section
    question.position = position
    session.flush()
    if text != old_text:
        audit.record(
            session,
            actor=actor,
            action="question.edit",
            object_type="question",
            object_id=question.id,
            tender_id=question.tender_id,
            now=now,
            details={"oud": old_text, "nieuw": text},
        )
    if (section, position) != (old_section, old_position):
        audit.record(
            session,
            actor=actor,
            action="question.reorder",
            object_type="question",
            object_id=question.id,
            tender_id=question.tender_id,
            now=now,
            details={
                "onderdeel_oud": old_section,
                "onderdeel_nieuw": section,
                "volgorde_oud": old_position,
                "volgorde_nieuw": position,
            },
        )


def merge_questions(
    session: Session,
    *,
    tender: Tender,
    into: Question,
    duplicates: list[Question],
    actor: User,
    now: datetime,
) -> None:
    """Merge ``duplicates`` into ``into``: one published question with one answer.

    The duplicates keep their own rows (and draft answers), marked as merged; each
    asker later reads under which number its question was answered.
    """
    _lock_tender(session, tender.id)
    for question in sorted([into, *duplicates], key=lambda q: q.id):
        _lock(session, question)
    duplicates = [q for q in duplicates if q.id != into.id]
    if not duplicates:
        raise QaError("Kies ten minste één andere vraag om samen te voegen.")
    for question in [into, *duplicates]:
        if question.tender_id != tender.id:
            raise QaError("Deze vraag hoort niet bij deze aanbesteding.")
        _check_editable(question)
    merged_ids = [q.id for q in duplicates]
    for duplicate in duplicates:
        duplicate.merged_into_id = into.id
    # Questions merged earlier into a duplicate follow it, so a merge is never two deep.
    for earlier in session.scalars(
        select(Question).where(Question.merged_into_id.in_(merged_ids))
    ).all():
        earlier.merged_into_id = into.id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="question.merge",
        object_type="question",
        object_id=into.id,
        tender_id=tender.id,
        now=now,
        details={"in": into.id, "samengevoegd": merged_ids},
    )


def add_own_question(
    session: Session,
    *,
    tender: Tender,
    section: str,
    position: int | None,
    text: str,
    answer: str,
    actor: User,
    now: datetime,
) -> Question:
    """A question the inkoper raises itself, with its answer, for the next nota."""
    if tender.state != TenderState.PUBLISHED:
        raise QaError(
            "Eigen vragen kunnen alleen worden toegevoegd zolang de aanbesteding gepubliceerd is."
        )
    text = _clean_text(text, what="de vraag", limit=MAX_QUESTION_CHARS)
    answer = _clean_text(answer, what="het antwoord", limit=MAX_ANSWER_CHARS)
    section = _clean_section(tender, section)
    position = _clean_position(position)
    question = Question(
        tender_id=tender.id,
        organisation_id=None,
        asked_by_id=actor.id,
        section=section,
        position=position,
        text=text,
        asked_text=text,
        asked_at=now,
        answer=answer,
        answered_by_id=actor.id,
        answered_at=now,
    )
    session.add(question)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="question.add_own",
        object_type="question",
        object_id=question.id,
        tender_id=tender.id,
        now=now,
        details={"onderdeel": section, "volgorde": position},
    )
    return question


def published_as(question: Question) -> tuple[QaRound, int] | None:
    """(round, number) under which ``question`` was answered, also when it was merged."""
    shown = question.merged_into or question
    if shown.qa_round is None or shown.published_number is None:
        return None
    return shown.qa_round, shown.published_number


def nota_filename(tender: Tender, number: int) -> str:
    reference = re.sub(r"[^A-Za-z0-9-]+", "-", tender.reference).strip("-") or "aanbesteding"
    return f"nota-van-inlichtingen-{reference}-{number}.pdf"


def nota_data(qa_round: QaRound) -> QaNotaData:
    """What the PDF shows: nothing about who asked."""
    tender = qa_round.tender
    return QaNotaData(
        tender_reference=tender.reference,
        tender_title=tender.title,
        contracting_authority=tender.contracting_authority,
        region=tender.region,
        round_number=qa_round.number,
        published_at=qa_round.published_at,
        items=tuple(
            QaNotaItem(
                number=question.published_number or number,
                section=question.section,
                # The published wording, never the asker's own (asked_text).
                question=question.text,
                answer=question.answer or "",
            )
            for number, question in enumerate(qa_round.questions, start=1)
        ),
        previous_submission_deadline=qa_round.previous_submission_deadline,
        new_submission_deadline=qa_round.new_submission_deadline,
    )


def publish_round(
    session: Session,
    *,
    tender: Tender,
    actor: User,
    now: datetime,
    storage_dir: Path,
) -> QaRound:
    """Publish every answered, unpublished question as the next nota van inlichtingen.

    The PDF is generated once and stored, so that every provider downloads the
    same document.
    """
    # One publication at a time per tender (PostgreSQL; SQLite locks the whole file).
    session.execute(select(Tender.id).where(Tender.id == tender.id).with_for_update()).all()
    if (
        tender.state != TenderState.PUBLISHED
        or tender.submission_deadline is None
        or now >= tender.submission_deadline
    ):
        raise QaError(
            "Een nota van inlichtingen kan alleen worden gepubliceerd zolang de aanbesteding "
            "gepubliceerd is en de uiterste inschrijfdatum niet is verstreken."
        )
    questions = pending_questions(session, tender)
    if not questions:
        raise QaError(
            "Er zijn geen beantwoorde vragen die nog niet zijn gepubliceerd. "
            "Beantwoord eerst ten minste één vraag."
        )
    number = (
        session.scalar(select(func.max(QaRound.number)).where(QaRound.tender_id == tender.id)) or 0
    ) + 1
    qa_round = QaRound(
        tender=tender,
        number=number,
        published_at=now,
        published_by_id=actor.id,
    )
    session.add(qa_round)
    questions = publication_order(tender, questions)
    for published_number, question in enumerate(questions, start=1):
        question.published_number = published_number
    qa_round.questions = questions
    session.flush()

    filename = nota_filename(tender, number)
    document = store_document(
        session,
        storage_dir=storage_dir,
        tender_id=tender.id,
        kind=QA_NOTA,
        filename=filename,
        build=lambda: build_qa_nota(nota_data(qa_round)),
        now=now,
        actor_id=actor.id,
    )
    qa_round.document = document
    session.flush()

    audit.record(
        session,
        actor=actor,
        action="qa.publish",
        object_type="qa_round",
        object_id=qa_round.id,
        tender_id=tender.id,
        now=now,
        details={
            "nota": number,
            "vragen": [question.id for question in questions],
            "document": filename,
            "sha256": document.sha256,
        },
    )
    return qa_round


def provider_addresses(session: Session) -> list[str]:
    """The e-mail address of every active provider account: who is told of a new round."""
    return list(
        session.scalars(
            select(User.email)
            .where(User.role == Role.PROVIDER, User.active.is_(True))
            .order_by(User.email)
        )
    )


def staff_addresses(session: Session) -> set[str]:
    """The e-mail addresses of every staff account (anyone but a provider), lowercased."""
    return {
        email.lower()
        for email in session.scalars(select(User.email).where(User.role != Role.PROVIDER))
    }


def round_notification(tender: Tender, qa_round: QaRound, *, nota_url: str) -> tuple[str, str]:
    """(subject, body) of the message announcing a published round."""
    count = len(qa_round.questions)
    lines = [
        "Geachte heer/mevrouw,",
        "",
        f"Voor de aanbesteding ‘{tender.title}’ (kenmerk {tender.reference}) is "
        f"nota van inlichtingen {qa_round.number} gepubliceerd, met de antwoorden op "
        f"{count} {'vraag' if count == 1 else 'vragen'}.",
    ]
    lines += [
        "",
        "U leest de nota (en downloadt de pdf) na inloggen op:",
        nota_url,
        "",
        "Met vriendelijke groet,",
        tender.contracting_authority,
        "",
        "Dit bericht is automatisch verstuurd; u kunt er niet op antwoorden.",
    ]
    subject = f"Nota van inlichtingen {qa_round.number} gepubliceerd – {tender.reference}"
    return subject, "\n".join(lines)
