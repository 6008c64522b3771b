"""Dossier folder 04: the committee, its declarations, and the scores with motivations.

The complete file holds who sat on the committee and what each member declared
(art. 1.10b: ties with bidders, bands reported later, removals), every individual
score with its motivation (including scores set aside, marked so), and the consensus
per bid. An inzage dossier holds only the consensus scores and motivations of the
bidder's own bid, without names of evaluators.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tender.accounts.models import User
from tender.bids.models import Bid
from tender.bids.submitted import SubmittedBid
from tender.documents.pdf import (
    BODY,
    FONT_BOLD,
    SUBTITLE,
    TABLE_TEXT,
    TEXT_WIDTH,
    TITLE,
    facts_table,
    grid_table,
    markup,
    section_heading,
)
from tender.dossier.parts import COMMITTEE, DossierFile, Scope
from tender.dossier.scoped import (
    bid_label,
    file_prefix,
    opened_tender,
    received_in_scope,
    render_for,
)
from tender.evaluation import service as evaluation
from tender.evaluation.models import CommitteeMember, ConsensusScore, Score
from tender.tenders.models import Tender
from tender.timefmt import format_datetime_seconds

DECLARATIONS_TITLE = "Beoordelingscommissie en verklaringen belangenconflict"
INDIVIDUAL_TITLE = "Individuele scores met motivering"
CONSENSUS_TITLE = "Consensusscores met motivering"
_NONE = "—"
_CRITERION = ParagraphStyle("DossierCriterion", parent=BODY, fontName=FONT_BOLD, spaceBefore=3 * mm)
_SMALL_CELL = ParagraphStyle("DossierSmallCell", parent=TABLE_TEXT, fontSize=7.5, leading=10)


def _p(text: str) -> Paragraph:
    return Paragraph(markup(text), TABLE_TEXT)


def _moment(moment: datetime | None) -> str:
    return format_datetime_seconds(moment) if moment else _NONE


def _users(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def _person(users: dict[int, User], user_id: int | None) -> str:
    user = users.get(user_id) if user_id is not None else None
    return user.name if user else _NONE


def _intro(tender: Tender, title: str, text: str) -> list[Flowable]:
    return [
        Paragraph(title, TITLE),
        Paragraph(markup(f"{tender.title} – kenmerk {tender.reference}"), SUBTITLE),
        Paragraph(text, BODY),
    ]


def _member_story(
    member: CommitteeMember, users: dict[int, User], names: dict[int, str]
) -> list[Flowable]:
    declaration = member.declaration
    facts: list[tuple[str, str]] = [
        ("Rol", "voorzitter" if member.is_chair else "lid"),
        ("Lid sinds", _moment(member.added_at)),
        ("Verklaring ondertekend", _moment(declaration.signed_at) if declaration else "nog niet"),
    ]
    if declaration and declaration.statement:
        facts.append(("Toelichting bij de verklaring", declaration.statement))
    if member.removed_at is not None:
        facts.append(
            (
                "Uit de commissie gehaald",
                f"{_moment(member.removed_at)} door {_person(users, member.removed_by_id)}: "
                f"{member.removed_reason or _NONE}",
            )
        )
    story: list[Flowable] = [
        *section_heading(markup(f"{member.user.name} ({member.user.email})")),
        facts_table(facts, label_width=55 * mm),
    ]
    if declaration is None or not declaration.answers:
        return story
    rows = []
    for answer in sorted(
        declaration.answers, key=lambda a: (names.get(a.organisation_id, ""), a.id)
    ):
        if answer.recorded_by_id is not None:
            when = (
                f"{_moment(answer.declared_at)}: door de inkoper "
                f"{_person(users, answer.recorded_by_id)} van de inschrijving gehaald"
            )
        elif answer.declared_later:
            when = f"{_moment(answer.declared_at)}: later gemeld"
        else:
            when = f"{_moment(answer.declared_at)}: bij ondertekening"
        rows.append(
            [
                _p(names.get(answer.organisation_id, answer.organisation.name)),
                _p("band" if answer.band else "geen band"),
                _p(answer.explanation or _NONE),
                _p(when),
            ]
        )
    story.append(
        grid_table(
            ["Inschrijver", "Antwoord", "Toelichting", "Verklaard"],
            rows,
            [45 * mm, 23 * mm, TEXT_WIDTH - 108 * mm, 40 * mm],
            split_rows=True,
        )
    )
    return story


def _declarations(
    session: Session, tender: Tender, received: list[tuple[Bid, SubmittedBid]]
) -> DossierFile:
    members = evaluation.committee(session, tender, with_removed=True)
    users = _users(
        session,
        [m.removed_by_id for m in members]
        + [a.recorded_by_id for m in members if m.declaration for a in m.declaration.answers],
    )
    # Bidders as they submitted (name and KvK number), as the declaration listed them.
    names = {
        v.organisation_id: f"{v.organisation.name} (KvK {v.organisation.kvk_number})"
        for _, v in received
    }
    story = _intro(
        tender,
        DECLARATIONS_TITLE,
        "Elk lid van de beoordelingscommissie, ook wie eruit is gehaald, met de verklaring "
        "over belangenconflicten (art. 1.10b Aanbestedingswet): per inschrijver een band of "
        "geen band, met toelichting; banden die later zijn gemeld of door de inkoper zijn "
        "vastgelegd staan erbij. Een lid met een band ziet de inschrijving van die "
        "organisatie niet; scores die het lid daarvoor al gaf, zijn terzijde gelegd.",
    )
    if not members:
        story.append(Paragraph("Er is geen beoordelingscommissie samengesteld.", BODY))
    for member in members:
        story += _member_story(member, users, names)
    return DossierFile(
        COMMITTEE,
        "commissie-en-verklaringen.pdf",
        DECLARATIONS_TITLE,
        render_for(tender, story, title=DECLARATIONS_TITLE),
    )


def _individual_row(score: Score) -> list[Flowable | list[Flowable]]:
    """One evaluator's score; a score set aside says so, with when and why, under its
    motivation."""
    given: list[Flowable] = [_p(str(score.score))]
    motivation: list[Flowable] = [_p(score.motivation)]
    if score.set_aside_at is not None:
        given.append(Paragraph("terzijde", _SMALL_CELL))
        motivation.append(
            Paragraph(
                f"<b>Terzijde gelegd</b> op {_moment(score.set_aside_at)}: "
                f"{markup(score.set_aside_reason)}",
                TABLE_TEXT,
            )
        )
    return [
        [_p(score.evaluator.name), Paragraph(escape(score.evaluator.email), _SMALL_CELL)],
        given,
        motivation,
        _p(_moment(score.updated_at)),
    ]


def _individual(
    session: Session, tender: Tender, received: list[tuple[Bid, SubmittedBid]]
) -> DossierFile:
    bid_ids = [bid.id for bid, _ in received]
    scores = list(
        session.scalars(
            select(Score)
            .where(Score.bid_id.in_(bid_ids))
            .options(selectinload(Score.evaluator))
            .order_by(Score.bid_id, Score.criterion_id, Score.evaluator_id, Score.id)
        )
    )
    by_bid: dict[tuple[int, int], list[Score]] = {}
    for score in scores:
        by_bid.setdefault((score.bid_id, score.criterion_id), []).append(score)
    excluded = evaluation.excluded_bid_ids(session, tender)
    story = _intro(
        tender,
        INDIVIDUAL_TITLE,
        "Per inschrijving en per gunningscriterium de score en motivering van elke "
        "beoordelaar, zoals laatst vastgelegd. Een score die terzijde is gelegd (het lid "
        "bleek een band met de inschrijver te hebben of verliet de commissie) blijft "
        "bewaard en is gemarkeerd, maar telt nergens mee. Alleen de consensusscore telt.",
    )
    for bid, version in received:
        story += section_heading(markup(bid_label(bid, version)))
        if bid.id in excluded:
            story.append(
                Paragraph("Uitgesloten op de eisen: deze inschrijving is niet beoordeeld.", BODY)
            )
            continue
        for criterion in tender.criteria:
            given = by_bid.get((bid.id, criterion.id), [])
            story.append(
                Paragraph(f"{markup(criterion.code)} – {markup(criterion.title)}", _CRITERION)
            )
            if not given:
                story.append(Paragraph("Geen individuele scores vastgelegd.", BODY))
                continue
            story.append(
                grid_table(
                    ["Beoordelaar", "Score", "Motivering", "Gewijzigd"],
                    [_individual_row(score) for score in given],
                    [42 * mm, 16 * mm, TEXT_WIDTH - 90 * mm, 32 * mm],
                    split_rows=True,
                )
            )
    return DossierFile(
        COMMITTEE,
        "individuele-scores.pdf",
        INDIVIDUAL_TITLE,
        render_for(tender, story, title=INDIVIDUAL_TITLE),
    )


def _consensus_rows(
    tender: Tender, agreed: dict[int, ConsensusScore], users: dict[int, User], *, full: bool
) -> list[list[Paragraph]]:
    rows = []
    for criterion in tender.criteria:
        consensus = agreed.get(criterion.id)
        if consensus is None:
            rows.append([_p(criterion.code), _p(_NONE), _p("Geen consensus vastgelegd."), _p("")])
            continue
        recorded = _moment(consensus.recorded_at)
        if full:
            recorded += f"\n{_person(users, consensus.recorded_by_id)} (versie {consensus.version})"
            if consensus.reopened_at is not None:
                recorded += (
                    f"\nHEROPEND op {_moment(consensus.reopened_at)} door "
                    f"{_person(users, consensus.reopened_by_id)}: {consensus.reopen_reason or ''}"
                )
        rows.append(
            [
                _p(f"{criterion.code} – {criterion.title}"),
                _p(str(consensus.score)),
                _p(consensus.motivation),
                _p(recorded),
            ]
        )
    return rows


def _consensus(
    session: Session, tender: Tender, received: list[tuple[Bid, SubmittedBid]], *, full: bool
) -> DossierFile:
    bid_ids = [bid.id for bid, _ in received]
    rows_of: dict[int, dict[int, ConsensusScore]] = {}
    for consensus in session.scalars(
        select(ConsensusScore).where(ConsensusScore.bid_id.in_(bid_ids))
    ):
        # A reopened consensus counts as not agreed: only the complete file shows it.
        if full or consensus.reopened_at is None:
            rows_of.setdefault(consensus.bid_id, {})[consensus.criterion_id] = consensus
    users = (
        _users(
            session,
            [c.recorded_by_id for by in rows_of.values() for c in by.values()]
            + [c.reopened_by_id for by in rows_of.values() for c in by.values()],
        )
        if full
        else {}
    )
    excluded = evaluation.excluded_bid_ids(session, tender)
    story = _intro(
        tender,
        CONSENSUS_TITLE,
        "Per inschrijving en per gunningscriterium de score waarover de commissie "
        "overeenstemming heeft bereikt, met haar motivering. Alleen deze score telt voor de "
        "gunning."
        + (
            " Een heropende consensus telt niet tot de voorzitter haar opnieuw vastlegt."
            if full
            else ""
        ),
    )
    for bid, version in received:
        story += section_heading(markup(bid_label(bid, version)))
        if bid.id in excluded:
            story.append(
                Paragraph("Uitgesloten op de eisen: deze inschrijving is niet beoordeeld.", BODY)
            )
            continue
        story.append(
            grid_table(
                ["Criterium", "Score", "Motivering", "Vastgelegd"],
                _consensus_rows(tender, rows_of.get(bid.id, {}), users, full=full),
                [35 * mm, 13 * mm, TEXT_WIDTH - 88 * mm, 40 * mm],
                split_rows=True,
            )
        )
    name = "consensusscores.pdf" if full else f"{file_prefix(received[0][0])}-consensusscores.pdf"
    return DossierFile(
        COMMITTEE, name, CONSENSUS_TITLE, render_for(tender, story, title=CONSENSUS_TITLE)
    )


def committee_records(session: Session, scope: Scope) -> list[DossierFile]:
    """Folder 04: declarations and individual scores (complete file only) and consensus."""
    tender = opened_tender(session, scope)
    if tender is None:
        return []
    received = received_in_scope(session, tender, scope)
    if not scope.full:
        return [_consensus(session, tender, received, full=False)] if received else []
    return [
        _declarations(session, tender, received),
        _individual(session, tender, received),
        _consensus(session, tender, received, full=True),
    ]
