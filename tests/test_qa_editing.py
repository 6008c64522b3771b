"""Q&A editing before publication (issue 14 item 4): edit, merge, own questions, order.

The provider's own wording stays in the database and the audit trail and is never
shown to another provider; the published numbering follows topic and order only.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from factories import ask_question, login, make_published_tender, make_user
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock
from tender.accounts.models import Role, User
from tender.audit import AuditEvent
from tender.documents.service import documents_dir
from tender.qa import service as qa
from tender.qa.models import QaRound, Question
from tender.tenders.models import Tender

ORIGINAL = "Wij, Zorggroep De Lek uit Vianen, willen weten of een onderaannemer mag."
EDITED = "Mag een inschrijver de begeleiding laten uitvoeren door een onderaannemer?"
ANSWER = "Ja, mits u de onderaannemer vermeldt in uw inschrijving."


class People:
    def __init__(self, session: Session, now: datetime) -> None:
        self.officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
        self.provider_a = make_user(session, Role.PROVIDER, now=now)
        self.provider_b = make_user(session, Role.PROVIDER, now=now)
        self.provider_c = make_user(session, Role.PROVIDER, now=now)


@pytest.fixture
def people(session: Session, now: datetime) -> People:
    result = People(session, now)
    session.commit()
    return result


@pytest.fixture
def tender(session: Session, now: datetime, people: People) -> Tender:
    published = make_published_tender(session, now=now)
    session.commit()
    clock.set_clock(lambda: now)
    return published


def client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    login(client, user)
    return client


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def pdf_text(content: bytes) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def events(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def base(tender: Tender) -> str:
    return f"/aanbestedingen/{tender.id}"


def publish(client: FlaskClient, tender: Tender) -> None:
    response = client.post(f"{base(tender)}/vragen/publiceren", data={})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_edited_question_is_published_as_edited_and_the_original_stays_with_the_officer(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    """The acceptance case: a question edited before publication, the original only in
    the database and the audit trail (and the inkoper's own pages)."""
    asker = client_for(app, people.provider_a)
    other = client_for(app, people.provider_b)
    officer = client_for(app, people.officer)
    question = ask_question(session, tender, asker=people.provider_a, now=now, text=ORIGINAL)
    session.commit()

    response = officer.post(
        f"{base(tender)}/vragen/{question.id}/bewerken",
        data={"text": EDITED, "section": question.section, "position": ""},
    )
    assert response.status_code == 302
    session.refresh(question)
    assert question.text == EDITED and question.asked_text == ORIGINAL
    edit = events(session, "question.edit")
    assert len(edit) == 1
    assert edit[0].details == {"oud": ORIGINAL, "nieuw": EDITED}
    assert edit[0].actor_id == people.officer.id and edit[0].object_id == question.id
    assert events(session, "question.reorder") == []  # topic and order did not change

    # The inkoper still reads the original; the asker, before publication, its own text.
    manage = page(officer, f"{base(tender)}/vragen/beheer")
    assert EDITED in manage and ORIGINAL in manage
    assert ORIGINAL in page(asker, f"{base(tender)}/vragen")

    qa.answer_question(session, question=question, answer=ANSWER, actor=people.officer, now=now)
    session.commit()
    assert ORIGINAL not in page(officer, f"{base(tender)}/vragen/publiceren")
    publish(officer, tender)

    for client in (asker, other):
        nota = page(client, f"{base(tender)}/nota-van-inlichtingen")
        assert EDITED in nota and ANSWER in nota
        assert ORIGINAL not in nota and "Zorggroep De Lek" not in nota
    pdf = pdf_text(other.get(f"{base(tender)}/nota-van-inlichtingen/1.pdf").data)
    assert EDITED in pdf and "Zorggroep" not in pdf
    # After publication the asker reads its question as published, under its number.
    own = page(asker, f"{base(tender)}/vragen")
    assert EDITED in own and ORIGINAL not in own
    assert "nota van inlichtingen 1</a> onder vraag 1" in own
    assert ORIGINAL not in page(other, f"{base(tender)}/vragen")
    session.refresh(question)
    assert question.asked_text == ORIGINAL  # nothing is lost


def test_published_or_merged_questions_cannot_be_edited(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    first = ask_question(session, tender, asker=people.provider_a, now=now, text=ORIGINAL)
    second = ask_question(session, tender, asker=people.provider_b, now=now, text="Dubbel?")
    qa.answer_question(session, question=first, answer=ANSWER, actor=people.officer, now=now)
    qa.merge_questions(
        session, tender=tender, into=first, duplicates=[second], actor=people.officer, now=now
    )
    session.commit()
    with pytest.raises(qa.QaError, match="samengevoegd met vraag"):
        qa.edit_question(
            session,
            question=second,
            text="Anders",
            section="",
            position=None,
            actor=people.officer,
            now=now,
        )
    session.rollback()
    with pytest.raises(qa.QaError, match="samengevoegd met vraag"):
        qa.answer_question(
            session, question=second, answer="Eigen antwoord", actor=people.officer, now=now
        )
    session.rollback()
    qa.publish_round(
        session,
        tender=tender,
        actor=people.officer,
        now=now,
        storage_dir=documents_dir(app.instance_path),
    )
    session.commit()
    response = client_for(app, people.officer).post(
        f"{base(tender)}/vragen/{first.id}/bewerken",
        data={"text": "Achteraf anders", "section": "", "position": ""},
    )
    assert "al gepubliceerd" in response.get_data(as_text=True)
    session.refresh(first)
    assert first.text == ORIGINAL
    assert events(session, "question.edit") == []


def test_duplicates_are_merged_into_one_published_question_and_each_asker_is_told(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    officer = client_for(app, people.officer)
    a = ask_question(session, tender, asker=people.provider_a, now=now, text=ORIGINAL)
    b = ask_question(
        session, tender, asker=people.provider_b, now=now, text="Zorg B: onderaannemer toegestaan?"
    )
    c = ask_question(
        session, tender, asker=people.provider_c, now=now, text="Hoe lang loopt het contract?"
    )
    session.commit()

    refused = officer.post(f"{base(tender)}/vragen/samenvoegen", data={"into": str(a.id)})
    assert refused.status_code == 200
    assert "Kies ten minste één vraag om samen te voegen." in refused.get_data(as_text=True)
    assert f'id="into-{a.id}" checked' in refused.get_data(as_text=True)  # choice kept
    response = officer.post(
        f"{base(tender)}/vragen/samenvoegen",
        data={"into": str(a.id), "duplicates": [str(b.id)]},
    )
    assert response.status_code == 302
    session.refresh(b)
    assert b.merged_into_id == a.id
    merge = events(session, "question.merge")
    assert len(merge) == 1 and merge[0].details == {"in": a.id, "samengevoegd": [b.id]}
    assert merge[0].actor_id == people.officer.id

    officer.post(
        f"{base(tender)}/vragen/{a.id}/bewerken",
        data={"text": EDITED, "section": "Algemeen", "position": "1"},
    )
    qa.answer_question(session, question=a, answer=ANSWER, actor=people.officer, now=now)
    qa.answer_question(session, question=c, answer="Vier jaar.", actor=people.officer, now=now)
    session.commit()
    # The merged question does not wait for an answer of its own.
    confirmation = page(officer, f"{base(tender)}/vragen/publiceren")
    assert "nog geen antwoord" not in confirmation
    publish(officer, tender)

    qa_round = session.scalars(select(QaRound)).one()
    assert [q.id for q in qa_round.questions] == [a.id, c.id]
    nota = page(client_for(app, people.provider_c), f"{base(tender)}/nota-van-inlichtingen")
    assert nota.count(ANSWER) == 1
    assert "Zorg B" not in nota and ORIGINAL not in nota
    # Both askers of the merged question read where it is answered; neither reads the
    # other's original.
    for asker, own_original, other_original in (
        (people.provider_a, ORIGINAL, "Zorg B"),
        (people.provider_b, "Zorg B", ORIGINAL),
    ):
        own = page(client_for(app, asker), f"{base(tender)}/vragen")
        assert "nota van inlichtingen 1</a> onder vraag 1" in own
        assert EDITED in own
        assert own_original not in own and other_original not in own
    assert "(samen met een vergelijkbare vraag)" in page(
        client_for(app, people.provider_b), f"{base(tender)}/vragen"
    )
    session.refresh(b)
    assert b.asked_text == "Zorg B: onderaannemer toegestaan?" and b.qa_round_id is None


def test_merging_a_question_that_absorbed_others_keeps_one_level(
    session: Session, people: People, tender: Tender, now: datetime
) -> None:
    a = ask_question(session, tender, asker=people.provider_a, now=now, text="Een")
    b = ask_question(session, tender, asker=people.provider_b, now=now, text="Twee")
    c = ask_question(session, tender, asker=people.provider_c, now=now, text="Drie")
    qa.merge_questions(
        session, tender=tender, into=b, duplicates=[c], actor=people.officer, now=now
    )
    qa.merge_questions(
        session, tender=tender, into=a, duplicates=[b], actor=people.officer, now=now
    )
    session.flush()
    assert (b.merged_into_id, c.merged_into_id) == (a.id, a.id)
    with pytest.raises(qa.QaError, match="ten minste één andere vraag"):
        qa.merge_questions(
            session, tender=tender, into=a, duplicates=[a], actor=people.officer, now=now
        )


def test_own_question_with_answer_is_published_and_audited(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    officer = client_for(app, people.officer)
    own_text = "Geldt de Wmo-verordening van elke gemeente afzonderlijk?"
    own_answer = "Ja; de verordeningen staan in bijlage 3."
    url = f"{base(tender)}/vragen/eigen-vraag"
    refused = officer.post(
        url, data={"section": "Algemeen", "position": "0", "text": own_text, "answer": ""}
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Dit veld is verplicht." in body and "Vul een geheel getal van 1 tot 9999 in." in body
    assert own_text in body  # what the inkoper typed is kept
    assert session.scalar(select(Question)) is None

    response = officer.post(
        url, data={"section": "Algemeen", "position": "2", "text": own_text, "answer": own_answer}
    )
    assert response.status_code == 302
    question = session.scalars(select(Question)).one()
    assert question.own and question.answer == own_answer and question.position == 2
    added = events(session, "question.add_own")
    assert len(added) == 1 and added[0].object_id == question.id
    assert added[0].details == {"onderdeel": "Algemeen", "volgorde": 2}
    manage = page(officer, f"{base(tender)}/vragen/beheer")
    assert "Eigen vraag" in manage
    assert f"/vragen/{question.id}/aanbieder-tonen" not in manage
    with pytest.raises(qa.QaError, match="eigen vraag"):
        qa.reveal_asker(session, question=question, actor=people.officer, now=now)
    session.rollback()
    reveal = officer.post(f"{base(tender)}/vragen/{question.id}/aanbieder-tonen")
    assert reveal.status_code == 302
    assert events(session, "question.reveal_asker") == []

    publish(officer, tender)
    provider = client_for(app, people.provider_a)
    nota = page(provider, f"{base(tender)}/nota-van-inlichtingen")
    assert own_text in nota and own_answer in nota
    # A provider's list of its own questions never lists the inkoper's.
    assert own_text not in page(provider, f"{base(tender)}/vragen")


def test_numbering_follows_topic_and_order_never_the_asking_order(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    sections = qa.section_choices(tender)
    contract, criterion, general = sections[-1], sections[-2], sections[0]
    asked = [
        (people.provider_a, contract, "Vraag over het contract"),
        (people.provider_b, criterion, "Tweede vraag over het criterium"),
        (people.provider_c, criterion, "Eerste vraag over het criterium"),
        (people.provider_a, general, "Algemene vraag"),
    ]
    questions = []
    for number, (asker, section, text) in enumerate(asked):
        questions.append(
            ask_question(
                session,
                tender,
                asker=asker,
                now=now + timedelta(minutes=number),
                text=text,
                section=section,
            )
        )
        qa.answer_question(
            session, question=questions[-1], answer="Antwoord.", actor=people.officer, now=now
        )
    session.commit()
    officer = client_for(app, people.officer)
    # The inkoper puts the later-asked criterion question first.
    response = officer.post(
        f"{base(tender)}/vragen/{questions[2].id}/bewerken",
        data={"text": questions[2].text, "section": criterion, "position": "1"},
    )
    assert response.status_code == 302
    reorder = events(session, "question.reorder")
    assert len(reorder) == 1 and reorder[0].details == {
        "onderdeel_oud": criterion,
        "onderdeel_nieuw": criterion,
        "volgorde_oud": None,
        "volgorde_nieuw": 1,
    }
    assert events(session, "question.edit") == []  # the wording did not change
    officer.post(
        f"{base(tender)}/vragen/{questions[1].id}/bewerken",
        data={"text": questions[1].text, "section": criterion, "position": "2"},
    )
    publish(officer, tender)

    session.expire_all()
    qa_round = session.scalars(select(QaRound)).one()
    published = [(q.published_number, q.text) for q in qa_round.questions]
    assert published == [
        (1, "Algemene vraag"),
        (2, "Eerste vraag over het criterium"),
        (3, "Tweede vraag over het criterium"),
        (4, "Vraag over het contract"),
    ]
    nota = page(client_for(app, people.provider_b), f"{base(tender)}/nota-van-inlichtingen")
    assert nota.index("Vraag 1 · " + general) < nota.index("Vraag 2 · ") < nota.index("Vraag 4 ·")
    assert "<h3>Vraag 2 · " in nota and "Eerste vraag over het criterium" in nota
    pdf = pdf_text(
        client_for(app, people.provider_b).get(f"{base(tender)}/nota-van-inlichtingen/1.pdf").data
    )
    assert pdf.index("Algemene vraag") < pdf.index("Eerste vraag") < pdf.index("Tweede vraag")
    # Provider B asked the question published as number 3.
    assert "onder vraag 3" in page(client_for(app, people.provider_b), f"{base(tender)}/vragen")


def test_without_an_order_questions_of_a_topic_follow_their_wording_not_their_asking(
    session: Session, people: People, tender: Tender, now: datetime
) -> None:
    late = ask_question(session, tender, asker=people.provider_a, now=now, text="Aaa later gesteld")
    early = ask_question(session, tender, asker=people.provider_b, now=now, text="Zzz eerder")
    late.asked_at, early.asked_at = now + timedelta(hours=1), now
    unsectioned = ask_question(
        session, tender, asker=people.provider_c, now=now, text="Aaa", section=""
    )
    session.flush()
    order = qa.publication_order(tender, [early, unsectioned, late])
    # Ids and asking times are irrelevant; a question without a section comes last.
    assert order == [late, early, unsectioned]
    early.position = 5
    assert qa.publication_order(tender, [late, early]) == [early, late]


def test_edit_form_keeps_input_and_refuses_an_unknown_section(
    app: Flask, session: Session, people: People, tender: Tender, now: datetime
) -> None:
    question = ask_question(session, tender, asker=people.provider_a, now=now, text=ORIGINAL)
    session.commit()
    officer = client_for(app, people.officer)
    url = f"{base(tender)}/vragen/{question.id}/bewerken"
    response = officer.post(url, data={"text": EDITED, "section": "Verzonnen", "position": "x"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert EDITED in body and "Het formulier is nog niet in orde." in body
    session.refresh(question)
    assert question.text == ORIGINAL
    with pytest.raises(qa.QaError, match="Kies een onderdeel"):
        qa.edit_question(
            session,
            question=question,
            text=EDITED,
            section="Verzonnen",
            position=None,
            actor=people.officer,
            now=now,
        )
