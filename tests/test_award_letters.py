"""Issue 12, item 1: the award letters a lawyer signs, read back from the PDFs.

On every region (both example regions and the region with three lots, a 1-5 scale
and ranked award): per criterion the bidder's own score and full motivation; per lot
gegund / niet gegund and why (or after a draw); in ranked mode the winners' scores and
the strengths text the inkoper reviewed, in threshold mode the range of the awarded
scores and the thresholds with the parties in an annex; the standstill as a calendar
date with its rule; how and where to object; the signatory. Then the page where the
inkoper reviews the strengths, and a letter that stays a few pages at 500 bids.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import award_steps
import pytest
from factories import ROOT, login
from flask import Flask
from markupsafe import escape
from pypdf import PdfReader
from regions import REGIONS
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_documents_award import CRITERIA, EILAND, LOTS, THUIS, letter_data

from tender import clock, demo
from tender.accounts.models import User
from tender.audit import AuditAnchor, AuditEvent
from tender.award import documents as award_documents
from tender.award import service as award
from tender.award import steps, strengths, versions
from tender.award.models import AwardDecision, DecisionStatus
from tender.award.standstill import standstill_end
from tender.documents import pdf
from tender.documents.award_letter import (
    ANNEX_TITLE,
    AwardedParty,
    AwardLetterData,
    DrawFacts,
    LetterTender,
    LotAward,
    annex_story,
    build_award_letter,
    letter_story,
    strengths_label,
)
from tender.timefmt import AMSTERDAM, format_number, to_local

THREE_LOTS = ROOT / "tests" / "criteria" / "files" / "three-lots-ranked.toml"
LEKSTROOM = ROOT / "criteria" / "lekstroom-2022.toml"
BASE = "/aanbestedingen/{}/gunning"
SENT_AT = datetime(2026, 12, 4, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC)  # a Friday
EDITED = (
    "Deze inschrijving onderscheidt zich door een uitgewerkte aanpak van afschalen, "
    "met vaste evaluatiemomenten per cliënt."
)


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _body(content: bytes) -> str:
    """A letter's text without the band and the page number that every page repeats, so
    that a paragraph running across pages reads as one."""
    pages = [page.split("\n") for page in _pages(content)]
    band = pages[0][:3]
    return _flat(
        " ".join(
            line
            for lines in pages
            for line in (lines[3:] if lines[:3] == band else lines)
            if not re.fullmatch(r"pagina \d+ van \d+", line.strip())
        )
    )


def _officers(session: Session) -> tuple[User, User]:
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    assert officer is not None
    return officer, award_steps.second_officer(session, officer)


def _advice(app: Flask, session: Session, now: datetime, path: Path) -> AwardDecision:
    """A demo tender of this region with its award advice prepared (gaps decided, ties drawn)."""
    result = demo.build(
        session, criteria_path=path, bids=8, now=now, instance_path=app.instance_path,
        phase="advice",
    )  # fmt: skip
    award_steps.with_signatory(session, result.tender)
    session.commit()
    clock.set_clock(lambda: now)
    decision = versions.open_decision(session, result.tender)
    assert decision is not None
    return decision


@pytest.fixture(params=REGIONS)
def decided(request: pytest.FixtureRequest, app: Flask, session: Session, now: datetime):  # type: ignore[no-untyped-def]
    """A region's decision recorded (strengths reviewed, one edited) and every letter's text."""
    decision = _advice(app, session, now, request.param)
    officer, second = _officers(session)
    edited_key = next(iter(decision.strengths), None)
    if edited_key is not None:
        strengths.edit(
            session, decision=decision, edited={edited_key: EDITED}, confirm=True,
            actor=officer, now=now,
        )  # fmt: skip
    steps.review_advice(session, decision=decision, approve=True, reason="", actor=second, now=now)
    steps.record_decision(
        session, decision=decision, decided_on=to_local(now).date(), body=award_steps.BODY,
        mandate=award_steps.MANDATE, actor=officer, now=now,
    )  # fmt: skip
    session.commit()
    snapshot = award_documents.documented(session, decision)
    letters = {
        entry["bid_id"]: _body(award_documents.letter_pdf(snapshot, entry, sent_at=SENT_AT))
        for entry in snapshot["bids"]
    }
    return decision, snapshot, letters, edited_key


def _names(snapshot: dict) -> dict[int, str]:  # type: ignore[type-arg]
    return {entry["bid_id"]: entry["organisation"]["name"] for entry in snapshot["bids"]}


def _drawn(snapshot: dict, lot: str, bid_id: int) -> bool:  # type: ignore[type-arg]
    return any(d["lot"] == lot and bid_id in d["bid_ids"] for d in snapshot["draws"])


def test_every_letter_states_own_scores_the_result_per_lot_and_why(decided) -> None:  # type: ignore[no-untyped-def]
    _decision, snapshot, letters, _key = decided
    tender = snapshot["tender"]
    criteria = {c["code"]: c for c in tender["criteria"]}
    lots = {lot["code"]: lot["name"] for lot in tender["lots"]}
    results = set()
    for entry in snapshot["bids"]:
        text = letters[entry["bid_id"]]
        if not entry["requirement_failures"]:
            for item in entry["scores"]:
                title = criteria[item["code"]]["title"]
                assert (
                    f"{item['code']} – {title}: score {item['score']} van {tender['scale_max']}"
                    in text
                )
                assert _flat(item["motivation"]) in text  # the full consensus motivation
        for result in entry["lot_results"]:
            awarded = result["status"] == "awarded"
            label = "gegund" if awarded else "niet gegund"
            if _drawn(snapshot, result["lot"], entry["bid_id"]):
                label += " na loting"
            assert f"{result['lot']} – {lots[result['lot']]} {label} " in text
            results.add(label)
            for reason in result["reasons"]:
                assert _flat(reason["text"]) in text
        for reason in entry["reasons"]:
            assert _flat(reason["text"]) in text
    assert {"gegund", "niet gegund"} <= {label.removesuffix(" na loting") for label in results}


def test_every_letter_states_the_standstill_date_how_to_object_and_the_signatory(
    decided,  # type: ignore[no-untyped-def]
) -> None:
    decision, snapshot, letters, _key = decided
    tender = snapshot["tender"]
    days = tender["standstill_days"]
    end = standstill_end(date(2026, 12, 4), days)
    for text in letters.values():
        assert "Datum 04-12-2026" in text
        assert (
            f"opschortende termijn eindigt {days} kalenderdagen na de dag van verzending van "
            "deze brief. Deze brief is verzonden op vrijdag 4 december 2026 (04-12-2026); de "
            f"termijn loopt dus tot en met {end:%d-%m-%Y}" in text
        )
        assert "dag na verzending" not in text and "dag na de verzending" not in text
        assert (
            f"kort geding aanhangig maken bij de voorzieningenrechter van de {tender['court']}"
            in text
        )
        assert f"uiterlijk op {end:%d-%m-%Y}" in text
        assert "Een vraag of een verzoek om toelichting verlengt de opschortende termijn niet" in (
            text
        )
        assert _flat(decision.signatory_name) in text
        assert _flat(decision.signatory_function) in text
        assert text.count(_flat(decision.signatory_function)) >= 2  # contact and signature
        # Dutch numbers: weights as '40', never '40.0' or '33.0'.
        assert not re.search(r"\b\d+\.\d+\b", text)
        for criterion in tender["criteria"]:
            weight = format_number(criterion["weight"])
            assert f"{criterion['code']} {_flat(criterion['title'])} {weight} " in text


def test_letters_state_what_distinguishes_the_winning_bids(decided) -> None:  # type: ignore[no-untyped-def]
    decision, snapshot, letters, edited_key = decided
    tender = snapshot["tender"]
    names = _names(snapshot)
    entries = {entry["bid_id"]: entry for entry in snapshot["bids"]}
    codes = [c["code"] for c in tender["criteria"]]
    for text in letters.values():
        assert "Kenmerken en relatieve voordelen van de gegunde inschrijvingen" in text
        if tender["award_mode"] == "ranked":
            assert edited_key is not None and EDITED in text
            for lot in tender["lots"]:
                for bid_id in snapshot["awarded"][lot["code"]]:
                    scores = {s["code"]: s["score"] for s in entries[bid_id]["scores"]}
                    row = " ".join(str(scores[code]) for code in codes)
                    total = entries[bid_id]["total"].replace(".", ",")
                    assert f"{names[bid_id]} {row} {total}" in text  # the winner's scores
            for key, item in decision.strengths.items():
                lots = [
                    lot["code"]
                    for lot in tender["lots"]
                    if int(key) in snapshot["awarded"][lot["code"]]
                ]
                assert f"{strengths_label(names[int(key)], lots)} {_flat(item['text'])}" in text
        else:
            assert "geen relatief voordeel" in text
            annex = text[text.index(ANNEX_TITLE) :]
            for lot in tender["lots"]:
                awarded = snapshot["awarded"][lot["code"]]
                if not awarded:
                    continue
                n = len(awarded)
                assert f"{lot['code']} – {lot['name']}: {n} gegunde inschrijving" in text
                for index, code in enumerate(codes):
                    values = [entries[b]["scores"][index]["score"] for b in awarded]
                    low, high = min(values), max(values)
                    shown = str(low) if low == high else f"{low}–{high}"
                    criterion = tender["criteria"][index]
                    assert f"{_flat(criterion['title'])} " in text
                    assert re.search(
                        rf"{re.escape(code)} {re.escape(_flat(criterion['title']))} \S+ "
                        rf"{criterion['minimum']} {re.escape(shown)}\b",
                        text,
                    )
                for bid_id in awarded:
                    assert names[bid_id] in annex
                    scores = " ".join(str(s["score"]) for s in entries[bid_id]["scores"])
                    assert f"{names[bid_id]} {scores}" not in text  # no row per winner


def test_a_lot_awarded_after_a_draw_says_so() -> None:
    data = letter_data("ranked", THUIS)
    draw = DrawFacts(place=1, tied=2, drawn_on=date(2026, 8, 31), method="Genummerde briefjes.")
    results = tuple(
        replace(result, draw=draw) if result.code == "A" else result for result in data.results
    )
    text = _body(build_award_letter(replace(data, results=results)))
    assert "A – Begeleiding volwassenen gegund na loting Uw inschrijving stond gelijk met" in text
    assert "bij de loting kreeg zij plaats 1 van 2" in text


# --- The strengths page ------------------------------------------------------------------


def _client(app: Flask, user: User):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, user)
    return client


@pytest.fixture
def advice(app: Flask, session: Session, now: datetime) -> AwardDecision:
    return _advice(app, session, now, THREE_LOTS)


def _form(decision: AwardDecision, **changed: str) -> dict[str, str]:
    texts = {f"text_{key}": item["text"] for key, item in decision.strengths.items()}
    return {**texts, **{f"text_{key}": text for key, text in changed.items()}}


def test_the_page_shows_drafts_motivations_and_the_preview(
    app: Flask, session: Session, advice: AwardDecision
) -> None:
    officer, _second = _officers(session)
    page = _client(app, officer).get(f"{BASE.format(advice.tender_id)}/kenmerken")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Zo leest iedere inschrijver dit" in html
    winners = strengths.winners(advice.snapshot)
    assert winners and set(advice.strengths) == {str(w["bid_id"]) for w in winners}
    for winner in winners:
        item = advice.strengths[str(winner["bid_id"])]
        assert item["text"] == item["draft"] and item["edited_by"] is None
        # Drafted from the winner's consensus motivations, criterion by criterion.
        best = max(winner["scores"], key=lambda s: s["score"])
        assert f"{best['code']} " in item["text"] and "(score " in item["text"]
        assert str(escape(winner["organisation"]["name"])) in html
        for line in item["text"].split("\n"):
            assert str(escape(line)) in html  # in the textarea and the preview
        for score in winner["scores"]:
            assert str(escape(score["motivation"])) in html
    assert "Opslaan en kenmerken vaststellen" in html


def test_edited_strengths_are_saved_audited_confirmed_and_printed(
    app: Flask, session: Session, advice: AwardDecision
) -> None:
    officer, _second = _officers(session)
    client = _client(app, officer)
    url = f"{BASE.format(advice.tender_id)}/kenmerken"
    key = next(iter(advice.strengths))
    saved = client.post(url, data={**_form(advice, **{key: EDITED}), "action": "save"})
    assert saved.status_code == 302
    session.expire_all()
    assert advice.strengths[key]["text"] == EDITED
    assert "Inkoper" in advice.strengths[key]["edited_by"]
    assert advice.strengths_confirmed_at is None
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "award.strengths"))
    assert [e.details["gewijzigd"] for e in events] == [[int(key)]]
    confirmed = client.post(url, data={**_form(advice), "action": "confirm"})
    assert confirmed.status_code == 302
    session.expire_all()
    assert advice.strengths_confirmed_at is not None
    assert advice.strengths_confirmed_by_id == officer.id
    loser = next(e for e in advice.snapshot["bids"] if not e["awarded_lots"])
    concept = client.get(f"{BASE.format(advice.tender_id)}/concept/brief/{loser['bid_id']}.pdf")
    assert concept.status_code == 200
    assert EDITED in _body(concept.data)


def test_a_refused_form_keeps_the_input_and_says_what_to_fix(
    app: Flask, session: Session, advice: AwardDecision
) -> None:
    officer, _second = _officers(session)
    keys = list(advice.strengths)
    before = {key: item["text"] for key, item in advice.strengths.items()}
    too_long = "Onderscheidend. " * 100  # 1600 characters
    response = _client(app, officer).post(
        f"{BASE.format(advice.tender_id)}/kenmerken",
        data={**_form(advice, **{keys[0]: "Te kort.", keys[1]: too_long}), "action": "confirm"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Het formulier is nog niet in orde" in html
    assert "Te kort.</textarea>" in html
    assert too_long.strip() in html
    assert f"minstens {strengths.MIN_LENGTH} en hoogstens {strengths.MAX_LENGTH} tekens" in html
    session.expire_all()
    assert {key: item["text"] for key, item in advice.strengths.items()} == before
    assert advice.strengths_confirmed_at is None


def test_the_advice_is_not_approved_before_the_strengths_are_confirmed(
    app: Flask, session: Session, advice: AwardDecision, now: datetime
) -> None:
    officer, second = _officers(session)
    with pytest.raises(award.AwardError, match="kenmerken en relatieve voordelen"):
        steps.review_advice(
            session, decision=advice, approve=True, reason="", actor=second, now=now
        )
    session.rollback()
    reviewer = _client(app, second)
    url = f"{BASE.format(advice.tender_id)}/goedkeuring"
    page = reviewer.get(url).get_data(as_text=True)
    assert "vaststellen (pagina Kenmerken)" in page
    key = next(iter(advice.strengths))
    assert str(escape(advice.strengths[key]["text"].split("\n")[0])) in page
    refused = reviewer.post(url, data={"verdict": "approve"})
    assert refused.status_code == 200
    session.expire_all()
    assert advice.status == DecisionStatus.ADVICE
    award_steps.confirm_strengths(session, advice, actor=officer, now=now)
    session.commit()
    assert reviewer.post(url, data={"verdict": "approve"}).status_code == 302
    session.expire_all()
    assert advice.status == DecisionStatus.APPROVED


def test_strengths_cannot_be_edited_once_the_advice_is_approved(
    app: Flask, session: Session, advice: AwardDecision, now: datetime
) -> None:
    officer, second = _officers(session)
    award_steps.confirm_strengths(session, advice, actor=officer, now=now)
    steps.review_advice(session, decision=advice, approve=True, reason="", actor=second, now=now)
    session.commit()
    key = next(iter(advice.strengths))
    before = advice.strengths[key]["text"]
    client = _client(app, officer)
    url = f"{BASE.format(advice.tender_id)}/kenmerken"
    refused = client.post(url, data={**_form(advice, **{key: EDITED}), "action": "save"})
    assert refused.status_code == 200
    assert "niet is goedgekeurd" in refused.get_data(as_text=True)
    session.expire_all()
    assert advice.strengths[key]["text"] == before
    page = client.get(url).get_data(as_text=True)
    assert "<textarea" not in page and "kunnen niet meer worden gewijzigd" in page
    with pytest.raises(award.AwardError):
        strengths.edit(
            session, decision=advice, edited={key: EDITED}, confirm=False, actor=officer, now=now
        )


def test_edited_texts_survive_a_returned_advice_prepared_again(
    app: Flask, session: Session, advice: AwardDecision, now: datetime
) -> None:
    officer, second = _officers(session)
    key, other = list(advice.strengths)[:2]
    strengths.edit(
        session, decision=advice, edited={key: EDITED, other: advice.strengths[other]["text"]},
        confirm=True, actor=officer, now=now,
    )  # fmt: skip
    steps.review_advice(
        session, decision=advice, approve=False, reason="Graag de teksten nalopen.",
        actor=second, now=now,
    )  # fmt: skip
    session.commit()
    again = steps.prepare_advice(session, tender=advice.tender, actor=officer, now=now)
    session.commit()
    assert again.id == advice.id and again.status == DecisionStatus.ADVICE
    assert again.strengths[key]["text"] == EDITED  # nothing the inkoper wrote is lost
    assert again.strengths[other]["text"] == again.strengths[other]["draft"]
    assert again.strengths_confirmed_at is None  # the texts are confirmed again


def test_threshold_mode_needs_no_strengths(app: Flask, session: Session, now: datetime) -> None:
    decision = _advice(app, session, now, LEKSTROOM)
    officer, second = _officers(session)
    assert decision.strengths == {}
    page = _client(app, officer).get(f"{BASE.format(decision.tender_id)}/kenmerken")
    assert "Bij gunning op drempels zijn geen kenmerken per gegunde inschrijving nodig" in (
        page.get_data(as_text=True)
    )
    steps.review_advice(session, decision=decision, approve=True, reason="", actor=second, now=now)
    assert decision.status == DecisionStatus.APPROVED


# --- Proportionality ---------------------------------------------------------------------

MAX_BODY_PAGES = 5
MAX_ANNEX_PAGES_PER_LOT = 4


def test_a_threshold_letter_stays_a_few_pages_at_500_awarded_bids() -> None:
    # One row per winner took 32 pages here; the ranges and the compact annex take 7.
    names = [f"Zorg en Welzijn Aanbieder {n:03d} B.V." for n in range(500)]
    data = letter_data("threshold", EILAND)
    parties = tuple(
        AwardedParty(name, tuple((c.code, 6 + n % 3) for c in CRITERIA), Decimal(70))
        for n, name in enumerate(names)
    )
    lot_code, lot_name = next(iter(LOTS.items()))
    tender = LetterTender(
        **{**data.tender.__dict__, "lots": (LotAward(lot_code, lot_name, 0, parties),)}
    )
    results = tuple(result for result in data.results if result.code == lot_code)
    letter = AwardLetterData(**{**data.__dict__, "tender": tender, "results": results})
    pages = _pages(build_award_letter(letter))
    annex = next(i for i, page in enumerate(pages) if ANNEX_TITLE in page)
    assert annex <= MAX_BODY_PAGES
    assert len(pages) - annex <= MAX_ANNEX_PAGES_PER_LOT
    text = _flat(" ".join(pages))
    assert all(text.count(name) == 1 for name in names)  # once, in the annex
    assert "G1 Ervaring en onderscheidende kwaliteit 30 6 6–8 6" in text


def test_the_annex_laid_out_once_reads_as_the_letter_laid_out_in_one_pass() -> None:
    # Issue 16: the annex is the same in every letter, so it is laid out once and its
    # pages are joined to each letter; the joined PDF must read page for page (text,
    # footers with 'pagina X van Y', audit anchor, CONCEPT mark) as the whole story
    # laid out in one pass, for letters whose own pages differ in number.
    names = [f"Zorg en Welzijn Aanbieder {n:03d} B.V." for n in range(300)]
    data = letter_data("threshold", EILAND)
    parties = tuple(
        AwardedParty(name, tuple((c.code, 6 + n % 3) for c in CRITERIA), Decimal(70))
        for n, name in enumerate(names)
    )
    tender = LetterTender(
        **{
            **data.tender.__dict__,
            "lots": tuple(LotAward(code, name, 0, parties) for code, name in LOTS.items()),
        }
    )
    short = AwardLetterData(**{**data.__dict__, "tender": tender})
    long = replace(short, assessment_reasons=(), requirement_reasons=("Eis E1: " + "x " * 900,))
    anchor = AuditAnchor(event_id=4242, hash="ab" * 32)
    seen_lengths = set()
    for letter in (short, long):
        with (
            pdf.generated_at(SENT_AT),
            pdf.audit_footer(anchor),
            pdf.concept(),
            pdf.signature_status(True),
        ):
            joined = build_award_letter(letter)
            again = build_award_letter(letter)
            one_pass = pdf.render(
                letter_story(letter) + annex_story(letter.tender),
                title="Gunningsbeslissing",
                authority=tender.contracting_authority,
                region=tender.region,
                reference=tender.reference,
                subject=f"{tender.title} – {letter.recipient.organisation_name}",
            )
        assert joined == again  # reproducible
        pages = _pages(joined)
        assert pages == _pages(one_pass)
        assert len(pages) > 3
        assert f"pagina {len(pages)} van {len(pages)}" in pages[-1]
        assert all(pdf.anchor_text(anchor) in page and "CONCEPT" in page for page in pages)
        assert PdfReader(io.BytesIO(joined)).metadata.title == "Gunningsbeslissing"
        seen_lengths.add(next(i for i, page in enumerate(pages) if ANNEX_TITLE in page))
    assert len(seen_lengths) == 2  # the annex started on different pages
