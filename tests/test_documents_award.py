"""Award letters, framework contracts and the award report, read back with pypdf.

The sample tender has three lots and five bids, decided by the real scoring engine
in both award modes: two bids awarded everywhere, one rejected on its scores (or on
rank), one excluded on a requirement, and one awarded in threshold mode but ranked
out in ranked mode. No sample data holds any plan text; PLAN_MARKER stands for a
sentence from a plan that must never appear in a document.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from tender import scoring
from tender.coverage import CoverageReport, LotGrid, ProviderCoverage, coverage_report
from tender.documents.award_letter import (
    AwardCriterion,
    AwardedParty,
    AwardLetterData,
    CriterionScore,
    DecisionFacts,
    DrawFacts,
    EarlierDecision,
    LetterTender,
    LotAward,
    LotResult,
    Recipient,
    build_award_letter,
)
from tender.documents.award_letter import Signatory as LetterSignatory
from tender.documents.award_report import (
    AwardReportData,
    CommitteeMember,
    DecisionVersion,
    DeclaredBand,
    DrawRecord,
    GapDecisionEntry,
    LotOutcome,
    QaRoundEntry,
    ReportBid,
    ReportCriterion,
    ReportLot,
    Timeline,
    build_award_report,
)
from tender.documents.framework_contract import (
    ContractLot,
    ContractProduct,
    ContractProvider,
    FrameworkContractData,
    ServedMunicipality,
    Signatory,
    build_framework_contract,
    contract_dates,
    months_before,
)
from tender.documents.pdf import generated_at

PLAN_MARKER = "Onze buurtkamers in De Schans zijn ons geheime wapen"
AUTHORITY = "Gemeenten Houten, IJsselstein, Lopik, Nieuwegein en Vijfheerenlanden"
COURT = "Rechtbank Midden-Nederland"
SENT_AT = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)  # Tuesday 1 September, 10:00 local
# Every PDF is dated the moment it is generated: byte comparisons render at this one.
MOMENT = datetime(2026, 9, 1, 7, 55, 3, tzinfo=UTC)
STANDSTILL_END = "21-09-2026"  # 20 days: Monday 21 September

CRITERIA = (
    AwardCriterion("G1", "Ervaring en onderscheidende kwaliteit", Decimal("30"), 6),
    AwardCriterion("G2", "Afschalen en afronden van de ondersteuning", Decimal("20"), 6),
    AwardCriterion("G3", "Lokaal netwerk in het voorliggend veld", Decimal("20"), 6),
    AwardCriterion("G4", "Ontwikkeling van organisatie en medewerkers", Decimal("15"), 4),
    AwardCriterion("G5", "Overgang 18-/18+ voor jongvolwassenen", Decimal("15"), 4),
)
LOTS = {
    "A": "Begeleiding volwassenen",
    "B": "Begeleiding ouderen en NAH",
    "C": "Complexe problematiek",
}
PLACES = {"A": 2, "B": 2, "C": 1}
MUNICIPALITIES = (
    ("0321", "Houten"),
    ("0353", "IJsselstein"),
    ("0331", "Lopik"),
    ("0356", "Nieuwegein"),
    ("1961", "Vijfheerenlanden"),
)
TARGET_GROUPS = {
    "A": (
        ("PSY", "Psychiatrische of psychosociale aandoening"),
        ("LVB", "Licht verstandelijke beperking"),
    ),
    "B": (
        ("PG", "Psychogeriatrische of somatische aandoening"),
        ("NAH", "Niet-aangeboren hersenletsel"),
    ),
    "C": (("CP", "Complexe problematiek (verslaving, dak- en thuisloosheid)"),),
}

THUIS = "Stichting Begeleid Thuis Lekstroom"
BUURTZORG = "Buurtzorg Vijfheerenlanden B.V."
EILAND = "Zorgcoöperatie Het Ëiland & Zonen <B.V.>"
PAPIEREN = "Thuishulp Zonder Papieren B.V."
NETWERK = "Het Zorgnetwerk IJsselstein"

# name: (bid id, lots, failed requirements, scores by mode)
_EILAND_SCORES = {"threshold": (6, 6, 4, 6, 6), "ranked": (6, 6, 6, 6, 6)}
BIDS: dict[str, tuple[int, str, tuple[scoring.RequirementFailure, ...], tuple[int, ...] | None]] = {
    THUIS: (1, "ABC", (), (8, 8, 6, 8, 6)),
    BUURTZORG: (2, "AB", (), (6, 8, 8, 6, 6)),
    EILAND: (3, "AC", (), None),
    PAPIEREN: (
        4,
        "B",
        (
            scoring.RequirementFailure(
                "E3", "Verklaring Omtrent het Gedrag", "Geen VOG voor de begeleiders bijgevoegd."
            ),
        ),
        None,
    ),
    NETWERK: (5, "ABC", (), (7, 6, 6, 6, 7)),
}
KVK = {
    THUIS: "23456789",
    BUURTZORG: "34567890",
    EILAND: "12345678",
    PAPIEREN: "45678901",
    NETWERK: "56789012",
}


def _scores(name: str, mode: str) -> tuple[int, ...] | None:
    return _EILAND_SCORES[mode] if name == EILAND else BIDS[name][3]


def _motivation(name: str, code: str) -> str:
    return f"Motivering {code} voor {name}: de commissie waardeert de concrete aanpak."


def _rules(mode: str) -> scoring.ScoringRules:
    return scoring.ScoringRules(
        criteria=tuple(scoring.CriterionRule(c.code, c.weight, c.minimum) for c in CRITERIA),
        scale_max=10,
        minimum_total=Decimal("60") if mode == "threshold" else Decimal("0"),
        award_mode=mode,
        tie_break="criteria_order",
        max_awards=PLACES,
    )


def _outcome(mode: str) -> scoring.Outcome:
    results = []
    for name, (bid_id, lots, failures, _) in BIDS.items():
        scores = _scores(name, mode)
        results.append(
            scoring.BidResult(
                bid_id=bid_id,
                label=f"Inschrijving {bid_id:02d}",
                lots=frozenset(lots),
                failed_requirements=failures,
                scores=dict(zip([c.code for c in CRITERIA], scores, strict=True)) if scores else {},
            )
        )
    return scoring.award(results, _rules(mode))


NAMES = {bid_id: name for name, (bid_id, *_rest) in BIDS.items()}


def _awarded_names(outcome: scoring.Outcome, lot: str) -> list[str]:
    return [NAMES[bid_id] for bid_id in outcome.awarded(lot)]


def _letter_tender(mode: str, outcome: scoring.Outcome) -> LetterTender:
    def party(bid_id: int) -> AwardedParty:
        total = outcome.for_bid(bid_id).evaluation.total
        scores = _scores(NAMES[bid_id], mode)
        assert total is not None and scores is not None
        return AwardedParty(
            organisation_name=NAMES[bid_id],
            scores=tuple(zip([c.code for c in CRITERIA], scores, strict=True)),
            total=total,
        )

    return LetterTender(
        reference="LEK-WMO-IB-2026",
        title="Inkoop Wmo individuele begeleiding 2026",
        contracting_authority=AUTHORITY,
        region="Regio Lekstroom",
        court=COURT,
        standstill_days=20,
        award_mode=mode,
        scale_max=10,
        minimum_total=_rules(mode).minimum_total,
        criteria=CRITERIA,
        lots=tuple(
            LotAward(
                code=code,
                name=name,
                places=PLACES[code] if mode == "ranked" else 0,
                parties=tuple(party(bid_id) for bid_id in outcome.awarded(code)),
            )
            for code, name in LOTS.items()
        ),
    )


def letter_data(mode: str, name: str, *, sent_at: datetime = SENT_AT) -> AwardLetterData:
    """The letter data as the award service builds it from the engine's outcome."""
    outcome = _outcome(mode)
    bid_id = BIDS[name][0]
    result = outcome.for_bid(bid_id)
    reasons = result.evaluation.reasons
    requirement = tuple(r.text for r in reasons if r.kind == scoring.ReasonKind.REQUIREMENT)
    scores = _scores(name, mode)
    return AwardLetterData(
        tender=_letter_tender(mode, outcome),
        recipient=Recipient(
            organisation_name=name,
            kvk_number=KVK[name],
            address=("Dorpsstraat 1", "3991 AA Houten"),
            contact_person="mevrouw J. de Wit",
        ),
        sent_at=sent_at,
        results=tuple(
            LotResult(
                code=decision.lot,
                name=LOTS[decision.lot],
                awarded=decision.awarded,
                reasons=tuple(
                    r.text for r in decision.reasons if r.kind == scoring.ReasonKind.RANK
                ),
            )
            for decision in result.lots
        ),
        requirement_reasons=requirement,
        assessment_reasons=tuple(
            r.text
            for r in reasons
            if r.kind in (scoring.ReasonKind.CRITERION_MINIMUM, scoring.ReasonKind.TOTAL_MINIMUM)
        ),
        scores=()
        if requirement or scores is None
        else tuple(
            CriterionScore(c.code, score, _motivation(name, c.code))
            for c, score in zip(CRITERIA, scores, strict=True)
        ),
        total=None if requirement else result.evaluation.total,
        sender_name="A. Jansen",
        sender_function="Inkoper Regio Lekstroom",
    )


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(content)).pages]


def _text(content: bytes) -> str:
    return " ".join(" ".join(_pages(content)).split())


@pytest.fixture(scope="module")
def rejected_threshold() -> str:
    return _text(build_award_letter(letter_data("threshold", EILAND)))


@pytest.fixture(scope="module")
def rejected_ranked() -> str:
    return _text(build_award_letter(letter_data("ranked", NETWERK)))


# --- Award letters --------------------------------------------------------------------


def test_rejected_letter_states_each_score_and_motivation(rejected_threshold: str) -> None:
    for criterion, score in zip(CRITERIA, _EILAND_SCORES["threshold"], strict=True):
        assert f"{criterion.code} – {criterion.title}: score {score} van 10" in rejected_threshold
        assert _motivation(EILAND, criterion.code) in rejected_threshold
    assert "Totaalscore (van 100) 60,00 56,00" in rejected_threshold


def test_rejected_letter_states_every_rejection_reason(rejected_threshold: str) -> None:
    assert "Criterium G3: score 4 is lager dan het minimum 6" in rejected_threshold
    assert "Totaalscore 56,00 is lager dan de minimale totaalscore 60,00" in rejected_threshold
    # Per lot the result and why, before the details.
    assert (
        "Perceel Resultaat Waarom A – Begeleiding volwassenen niet gegund Criterium G3: score "
        "4 is lager dan het minimum 6; Totaalscore 56,00 is lager dan de minimale totaalscore "
        "60,00." in rejected_threshold
    )
    assert "C – Complexe problematiek niet gegund Criterium G3" in rejected_threshold


def test_rejected_letter_names_the_awarded_parties_and_their_scores(
    rejected_threshold: str,
) -> None:
    outcome = _outcome("threshold")
    for lot in LOTS:
        for name in _awarded_names(outcome, lot):
            assert name in rejected_threshold
    # Threshold mode: per lot and criterion the threshold and the range of the awarded
    # scores beside the bidder's own (no row per awarded bid); the parties in an annex.
    assert f"{THUIS} 8 8 6 8 6 73,00" not in rejected_threshold
    assert (
        "Perceel A – Begeleiding volwassenen: 3 gegunde inschrijvingen. Code Gunningscriterium "
        "Gewicht Drempel Gegunde scores Uw score G1 Ervaring en onderscheidende kwaliteit 30 6 "
        "6–8 6" in rejected_threshold
    )
    assert "Totaalscore (van 100) 60,00 64,50–73,00 56,00" in rejected_threshold
    assert "ten minste de minimale score haalt en een totaalscore van ten minste 60,00" in (
        rejected_threshold
    )
    assert (
        "Bijlage: partijen bij de raamovereenkomst, per perceel" in rejected_threshold
        and f"Perceel A – Begeleiding volwassenen (3 partijen) {BUURTZORG} {NETWERK} {THUIS}"
        in rejected_threshold
    )


def test_rejected_letter_states_standstill_end_and_court(rejected_threshold: str) -> None:
    assert f"tot en met {STANDSTILL_END}" in rejected_threshold
    assert f"uiterlijk op {STANDSTILL_END}" in rejected_threshold
    assert "niet eerder dan op 22-09-2026" in rejected_threshold
    assert f"kort geding aanhangig maken bij de voorzieningenrechter van de {COURT}" in (
        rejected_threshold
    )
    assert "Datum 01-09-2026" in rejected_threshold


def test_letters_hold_no_plan_text_and_no_other_bidders_motivations(
    rejected_threshold: str,
) -> None:
    assert PLAN_MARKER not in rejected_threshold
    for name in (THUIS, BUURTZORG, NETWERK):
        assert _motivation(name, "G1") not in rejected_threshold


def test_ranked_letter_gives_the_rank_reason_per_lot(rejected_ranked: str) -> None:
    assert "Rangorde 3 in perceel A; er worden 2 inschrijvingen gegund" in rejected_ranked
    assert "Rangorde 3 in perceel B; er worden 2 inschrijvingen gegund" in rejected_ranked
    assert "Rangorde 2 in perceel C; er wordt 1 inschrijving gegund" in rejected_ranked
    # The awarded bids' scores beside the bidder's own, per lot.
    assert f"{THUIS} 8 8 6 8 6 73,00 {BUURTZORG} 6 8 8 6 6 68,00" in rejected_ranked
    assert "Uw inschrijving (niet gegund) 7 6 6 6 7 64,50" in rejected_ranked
    assert "Er worden in dit perceel 2 raamovereenkomsten gegund" in rejected_ranked
    assert PLAN_MARKER not in rejected_ranked


def test_excluded_letter_gives_requirement_reasons_and_no_scores() -> None:
    text = _text(build_award_letter(letter_data("threshold", PAPIEREN)))
    assert "Uw inschrijving voldoet niet aan de eisen" in text
    assert (
        "Eis E3 (Verklaring Omtrent het Gedrag): niet voldaan – Geen VOG voor de begeleiders "
        "bijgevoegd." in text
    )
    assert "niet beoordeeld op de gunningscriteria" in text
    assert "Motivering per criterium" not in text
    assert "Uw score" not in text
    assert "Uw inschrijving (niet gegund)" not in text
    assert THUIS in text and f"tot en met {STANDSTILL_END}" in text


def test_awarded_letter_announces_the_intention_to_award() -> None:
    text = _text(build_award_letter(letter_data("threshold", THUIS)))
    assert (
        "Wij zijn voornemens de raamovereenkomsten voor perceel A (Begeleiding volwassenen), "
        "perceel B (Begeleiding ouderen en NAH) en perceel C (Complexe problematiek) aan u te "
        "gunnen." in text
    )
    assert "Redenen van afwijzing" not in text
    assert "niet gegund" not in text
    assert f"tot en met {STANDSTILL_END}" in text


def test_partly_awarded_letter_names_both_results() -> None:
    data = letter_data("ranked", EILAND)
    assert [r.awarded for r in data.results] == [False, False]
    text = _text(build_award_letter(data))
    assert "Rangorde 4 in perceel A" in text
    assert "Rangorde 3 in perceel C" in text


def test_letter_date_and_standstill_follow_amsterdam_time() -> None:
    # 22:30 UTC on 1 September is 00:30 on 2 September in Amsterdam.
    data = letter_data("threshold", EILAND, sent_at=datetime(2026, 9, 1, 22, 30, tzinfo=UTC))
    assert data.sent_on == date(2026, 9, 2)
    text = _text(build_award_letter(data))
    assert "Datum 02-09-2026" in text
    assert "tot en met 22-09-2026" in text


def test_letter_explains_a_standstill_moved_past_holidays() -> None:
    # Sent on Saturday 5 December 2026: day 20 is Christmas, the end Monday 28 December.
    data = letter_data("threshold", EILAND, sent_at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    text = _text(build_award_letter(data))
    assert "tot en met 28-12-2026" in text
    assert "De laatste dag van de termijn, 25-12-2026, valt op een zaterdag" in text
    assert "Algemene termijnenwet" in text


def test_letter_refuses_a_rejection_without_reasons() -> None:
    data = letter_data("threshold", THUIS)
    with pytest.raises(ValueError, match="without a reason"):
        AwardLetterData(
            **{
                **data.__dict__,
                "results": (LotResult("A", LOTS["A"], awarded=False),),
            }
        )


def test_letter_refuses_an_award_despite_reasons() -> None:
    data = letter_data("threshold", EILAND)
    with pytest.raises(ValueError, match="awarded despite"):
        AwardLetterData(**{**data.__dict__, "results": (LotResult("A", LOTS["A"], awarded=True),)})


def test_letter_refuses_scores_that_miss_a_criterion() -> None:
    data = letter_data("threshold", EILAND)
    with pytest.raises(ValueError, match="score per criterion"):
        AwardLetterData(**{**data.__dict__, "scores": data.scores[:-1]})


def test_letter_bytes_are_identical_for_identical_input() -> None:
    with generated_at(MOMENT):
        first = build_award_letter(letter_data("ranked", EILAND))
        assert build_award_letter(letter_data("ranked", EILAND)) == first


# --- The decision procedure in the letter (issue 11) ------------------------------------

DECISION = DecisionFacts(
    date(2026, 8, 28), "college van B&W van Houten", "namens de regio Lekstroom"
)
EARLIER = EarlierDecision(
    sent_on=date(2026, 7, 1),
    withdrawn_on=date(2026, 7, 15),
    reason="De score op G2 van één inschrijving was verkeerd overgenomen <uit> het verslag.",
)
METHOD = (
    "Genummerde briefjes in een doos, getrokken door A. Jansen in aanwezigheid van B. de Vries."
)


def _with_draw(data: AwardLetterData, lot: str, draw: DrawFacts) -> AwardLetterData:
    results = tuple(replace(r, draw=draw) if r.code == lot else r for r in data.results)
    return replace(data, results=results)


def test_letter_is_signed_by_the_signatory_when_given() -> None:
    data = replace(
        letter_data("ranked", EILAND), signatory=LetterSignatory("M. de Boer", "Wethouder Zorg")
    )
    text = _text(build_award_letter(data))
    assert "Met vriendelijke groet, namens " in text
    assert f"{AUTHORITY}, M. de Boer Wethouder Zorg Deze brief" in text
    assert "A. Jansen" not in text and "Inkoper Regio Lekstroom" not in text


def test_letter_without_signatory_is_signed_by_the_sender(rejected_ranked: str) -> None:
    assert f"{AUTHORITY}, A. Jansen Inkoper Regio Lekstroom Deze brief" in rejected_ranked


def test_letter_states_who_decided_when_and_under_which_mandate() -> None:
    text = _text(build_award_letter(replace(letter_data("ranked", EILAND), decision=DECISION)))
    sentence = (
        "Het college van B&W van Houten heeft op 28 augustus 2026 besloten (namens de regio "
        "Lekstroom) over de gunning van deze aanbesteding."
    )
    assert sentence in text
    # Near the start: before the outcome and the assessment.
    assert text.index(sentence) < text.index("Perceel Resultaat")


def test_letter_decision_without_mandate_has_no_brackets() -> None:
    decision = DecisionFacts(date(2026, 8, 28), "dagelijks bestuur van de regio", " ")
    text = _text(build_award_letter(replace(letter_data("ranked", EILAND), decision=decision)))
    assert "Het dagelijks bestuur van de regio heeft op 28 augustus 2026 besloten over" in text


def test_letter_without_decision_facts_names_no_deciding_body(rejected_ranked: str) -> None:
    assert "besloten" not in rejected_ranked


def test_letter_refuses_a_decision_dated_after_the_letter() -> None:
    late = DecisionFacts(date(2026, 9, 2), "college van B&W van Houten", "")
    with pytest.raises(ValueError, match="decision is dated after"):
        replace(letter_data("ranked", EILAND), decision=late)


def test_a_replacing_letter_names_the_withdrawn_decision_and_a_new_standstill() -> None:
    text = _text(build_award_letter(replace(letter_data("ranked", EILAND), replaces=EARLIER)))
    assert "Vervangt de gunningsbeslissing van 01-07-2026, ingetrokken op 15-07-2026" in text
    assert (
        "Deze beslissing vervangt de gunningsbeslissing die wij u op 1 juli 2026 hebben "
        "gestuurd. Die beslissing is op 15 juli 2026 ingetrokken, om de volgende reden: "
        "De score op G2 van één inschrijving was verkeerd overgenomen <uit> het verslag."
    ) in text
    assert "Met deze brief begint een nieuwe opschortende termijn" in text
    assert "De nieuwe opschortende termijn eindigt 20 kalenderdagen na de dag van" in text
    assert f"de termijn loopt dus tot en met {STANDSTILL_END}" in text


def test_a_first_letter_mentions_no_earlier_decision(rejected_ranked: str) -> None:
    assert "vervangt" not in rejected_ranked.lower()
    assert "nieuwe opschortende termijn" not in rejected_ranked


def test_earlier_decision_cannot_be_withdrawn_before_it_was_sent_or_after_the_letter() -> None:
    with pytest.raises(ValueError, match="withdrawn before it was sent"):
        EarlierDecision(date(2026, 7, 15), date(2026, 7, 1), "reden")
    with pytest.raises(ValueError, match="withdrawn after"):
        replace(
            letter_data("ranked", EILAND),
            replaces=EarlierDecision(date(2026, 7, 1), date(2026, 9, 2), "reden"),
        )


def test_letter_tells_a_tied_bidder_its_place_was_drawn_by_lot() -> None:
    draw = DrawFacts(place=2, tied=3, drawn_on=date(2026, 8, 27), method=METHOD)
    text = _text(build_award_letter(_with_draw(letter_data("ranked", NETWERK), "A", draw)))
    assert (
        "Loting In perceel A (Begeleiding volwassenen) had uw inschrijving dezelfde scores als "
        "2 andere inschrijvingen. De volgorde van deze 3 inschrijvingen is daarom op "
        "27 augustus 2026 door loting bepaald. Bij de loting kreeg uw inschrijving plaats 2 "
        f"van 3. Zo is geloot: {METHOD}"
    ) in text
    # Only the lot that was drawn.
    assert "perceel B (Begeleiding ouderen en NAH) had" not in text


def test_letter_draw_between_two_bids_says_one_other_bid() -> None:
    draw = DrawFacts(place=1, tied=2, drawn_on=date(2026, 8, 27), method=METHOD)
    text = _text(build_award_letter(_with_draw(letter_data("ranked", NETWERK), "C", draw)))
    assert "dezelfde scores als één andere inschrijving" in text
    assert "plaats 1 van 2" in text


def test_letter_without_a_draw_has_no_draw_section(rejected_ranked: str) -> None:
    assert "Loting" not in rejected_ranked and "loting" not in rejected_ranked


@pytest.mark.parametrize(("place", "tied"), [(0, 3), (4, 3), (1, 1)])
def test_draw_refuses_a_place_outside_the_tie(place: int, tied: int) -> None:
    with pytest.raises(ValueError, match=r"a draw is among|drawn place"):
        DrawFacts(place=place, tied=tied, drawn_on=date(2026, 8, 27), method=METHOD)


def test_letter_refuses_a_draw_after_the_letter() -> None:
    draw = DrawFacts(place=1, tied=2, drawn_on=date(2026, 9, 2), method=METHOD)
    with pytest.raises(ValueError, match="drawn after"):
        _with_draw(letter_data("ranked", NETWERK), "C", draw)


# --- Framework contract ----------------------------------------------------------------


def test_contract_dates_two_plus_one_plus_one() -> None:
    dates = contract_dates(date(2022, 7, 1), 2, [1, 1], 3)
    assert dates.initial_end == date(2024, 6, 30)
    assert [e.end for e in dates.extensions] == [date(2025, 6, 30), date(2026, 6, 30)]
    assert [e.start for e in dates.extensions] == [date(2024, 7, 1), date(2025, 7, 1)]
    assert [e.notice_by for e in dates.extensions] == [date(2024, 3, 30), date(2025, 3, 30)]
    assert dates.maximum_years == 4
    assert dates.final_end == date(2026, 6, 30)


def test_notice_date_keeps_the_day_number_and_clamps_to_a_shorter_month() -> None:
    assert months_before(date(2024, 6, 30), 3) == date(2024, 3, 30)
    assert months_before(date(2023, 5, 31), 3) == date(2023, 2, 28)
    assert months_before(date(2024, 5, 31), 3) == date(2024, 2, 29)
    assert months_before(date(2025, 1, 31), 2) == date(2024, 11, 30)


def test_contract_years_from_a_leap_day_end_on_the_day_before_1_march() -> None:
    dates = contract_dates(date(2024, 2, 29), 1, [1], 1)
    assert dates.initial_end == date(2025, 2, 28)
    assert dates.extensions[0].end == date(2026, 2, 28)
    assert contract_dates(date(2023, 3, 1), 1, [], 3).initial_end == date(2024, 2, 29)


def test_contract_dates_refuse_empty_periods() -> None:
    with pytest.raises(ValueError):
        contract_dates(date(2022, 7, 1), 0, [1], 3)
    with pytest.raises(ValueError):
        contract_dates(date(2022, 7, 1), 2, [0], 3)


PRODUCTS = (
    ContractProduct(
        "02A11",
        "Begeleiding 1-2 resultaatgebieden, behouden, gemiddelde intensiteit",
        "maand",
        Decimal("346.67"),
    ),
    ContractProduct(
        "02C23",
        "Begeleiding 5 resultaatgebieden, ontwikkelen, intensiteit ++",
        "maand",
        Decimal("1213.33"),
    ),
)


def contract_data(**changes: object) -> FrameworkContractData:
    fields: dict[str, object] = {
        "reference": "LEK-WMO-IB-2026",
        "title": "Inkoop Wmo individuele begeleiding 2026",
        "contracting_authority": AUTHORITY,
        "region": "Regio Lekstroom",
        "court": COURT,
        "municipalities": tuple(
            Signatory(
                f"Gemeente {name}", "" if name == "Lopik" else f"Wethouder van {name}", "wethouder"
            )
            for _, name in MUNICIPALITIES
        ),
        "provider": ContractProvider(
            organisation_name=BUURTZORG,
            kvk_number=KVK[BUURTZORG],
            address=("Lingedijk 12", "4142 LD Leerdam"),
            signatory_name="P. Bakker",
            signatory_function="bestuurder",
        ),
        "lots": (
            ContractLot(
                code="A",
                name=LOTS["A"],
                estimated_value_eur=Decimal("12000000"),
                maximum_value_eur=Decimal("15000000.50"),
                served=(
                    ServedMunicipality("Houten", ("Psychiatrische of psychosociale aandoening",)),
                    ServedMunicipality(
                        "Vijfheerenlanden",
                        (
                            "Psychiatrische of psychosociale aandoening",
                            "Licht verstandelijke beperking",
                        ),
                    ),
                ),
            ),
            ContractLot(
                code="B",
                name=LOTS["B"],
                estimated_value_eur=Decimal("8000000"),
                maximum_value_eur=Decimal("9500000"),
                served=(
                    ServedMunicipality(
                        "Vijfheerenlanden", ("Psychogeriatrische of somatische aandoening",)
                    ),
                ),
            ),
        ),
        "products": PRODUCTS,
        "start": date(2022, 7, 1),
        "initial_years": 2,
        "extension_years": (1, 1),
        "notice_months": 3,
    }
    fields.update(changes)
    return FrameworkContractData(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def contract_text() -> str:
    return _text(build_framework_contract(contract_data()))


def test_contract_names_every_party(contract_text: str) -> None:
    for _, name in MUNICIPALITIES:
        assert f"Gemeente {name}" in contract_text
    assert f"{BUURTZORG}, ingeschreven in het Handelsregister onder KvK-nummer 34567890" in (
        contract_text
    )
    assert "Lingedijk 12, 4142 LD Leerdam" in contract_text


def test_contract_states_the_two_plus_one_plus_one_term(contract_text: str) -> None:
    assert "Ingangsdatum 01-07-2022" in contract_text
    assert "2 jaar, tot en met 30-06-2024" in contract_text
    assert (
        "Verlenging 1 1 jaar, van 01-07-2024 tot en met 30-06-2025; besluit over deze "
        "verlenging uiterlijk op 30-03-2024" in contract_text
    )
    assert (
        "Verlenging 2 1 jaar, van 01-07-2025 tot en met 30-06-2026; besluit over deze "
        "verlenging uiterlijk op 30-03-2025" in contract_text
    )
    assert "Maximale looptijd 4 jaar, tot en met 30-06-2026" in contract_text


def test_contract_lists_only_the_providers_own_municipalities_and_target_groups(
    contract_text: str,
) -> None:
    assert "Perceel A – Begeleiding volwassenen Gemeente Doelgroepen Houten Psychiatrische" in (
        contract_text
    )
    assert "Vijfheerenlanden Psychiatrische of psychosociale aandoening Licht verstandelijke" in (
        contract_text
    )
    assert "Psychogeriatrische of somatische aandoening" in contract_text
    assert "Niet-aangeboren hersenletsel" not in contract_text
    assert "Complexe problematiek" not in contract_text
    assert "Perceel C" not in contract_text


def test_contract_lists_products_tariffs_and_lot_values(contract_text: str) -> None:
    row = "02A11 Begeleiding 1-2 resultaatgebieden, behouden, gemiddelde intensiteit maand"
    assert f"{row} € 346,67" in contract_text
    assert "€ 1.213,33" in contract_text
    assert "A – Begeleiding volwassenen € 12.000.000,00 € 15.000.000,50" in contract_text
    assert "B – Begeleiding ouderen en NAH € 8.000.000,00 € 9.500.000,00" in contract_text


def test_contract_has_a_signature_block_per_party(contract_text: str) -> None:
    assert contract_text.count("Handtekening") == len(MUNICIPALITIES) + 1
    assert "Naam Wethouder van Houten" in contract_text
    assert "Naam P. Bakker Functie bestuurder" in contract_text
    assert COURT in contract_text
    assert PLAN_MARKER not in contract_text


def test_contract_bytes_are_identical_for_identical_input() -> None:
    with generated_at(MOMENT):
        first = build_framework_contract(contract_data())
        assert build_framework_contract(contract_data()) == first


# --- Award report ----------------------------------------------------------------------

RECEIVED = {
    THUIS: datetime(2026, 6, 30, 9, 15, 1, tzinfo=UTC),
    BUURTZORG: datetime(2026, 6, 29, 14, 0, 0, tzinfo=UTC),
    EILAND: datetime(2026, 6, 30, 9, 59, 58, tzinfo=UTC),
    PAPIEREN: datetime(2026, 6, 25, 11, 30, 0, tzinfo=UTC),
    NETWERK: datetime(2026, 6, 30, 8, 0, 0, tzinfo=UTC),
}
ALL = {code for code, _ in MUNICIPALITIES}
# Declared cells per bid: lot -> (municipalities, target groups), and network municipalities.
DECLARED: dict[str, tuple[dict[str, tuple[set[str], set[str]]], set[str]]] = {
    THUIS: (
        {"A": (ALL, {"PSY", "LVB"}), "B": (ALL, {"PG", "NAH"}), "C": (ALL - {"0331"}, {"CP"})},
        ALL - {"0331"},
    ),
    BUURTZORG: ({"A": ({"0321", "1961"}, {"PSY", "LVB"}), "B": ({"1961"}, {"PG"})}, {"1961"}),
    EILAND: ({"A": (ALL, {"PSY"}), "C": (ALL, {"CP"})}, ALL),
    PAPIEREN: ({"B": (ALL, {"PG", "NAH"})}, ALL),
    NETWERK: (
        {"A": (ALL, {"PSY", "LVB"}), "B": (ALL, {"PG", "NAH"}), "C": ({"0353"}, {"CP"})},
        {"0353", "0356"},
    ),
}
GAP_DECISION = "Aanvullende contractering via een meervoudig onderhandse procedure"


def _coverage(outcome: scoring.Outcome) -> CoverageReport:
    grids = [
        LotGrid(code, name, 2, MUNICIPALITIES, TARGET_GROUPS[code]) for code, name in LOTS.items()
    ]
    providers = []
    for name, (declared, networks) in DECLARED.items():
        result = outcome.for_bid(BIDS[name][0])
        providers.append(
            ProviderCoverage(
                bid_id=BIDS[name][0],
                name=name,
                cells=frozenset(
                    (lot, m, g) for lot, (ms, gs) in declared.items() for m in ms for g in gs
                ),
                network_municipalities=frozenset(networks),
                awarded_lots=frozenset(result.awarded_lots),
                failure_reasons={
                    d.lot: tuple(r.text for r in d.reasons) for d in result.lots if not d.awarded
                },
            )
        )
    return coverage_report(grids, providers)


def report_data(mode: str = "threshold", **changes: object) -> AwardReportData:
    outcome = _outcome(mode)
    bids = []
    for name, (bid_id, _lots, failures, _) in BIDS.items():
        result = outcome.for_bid(bid_id)
        scores = _scores(name, mode)
        bids.append(
            ReportBid(
                blind_code=f"Inschrijving {bid_id:02d}",
                organisation_name=name,
                kvk_number=KVK[name],
                received_at=RECEIVED[name],
                failed_requirements=failures,
                scores=tuple(zip([c.code for c in CRITERIA], scores, strict=True))
                if scores
                else (),
                total=result.evaluation.total,
                results=tuple(
                    LotOutcome(d.lot, d.awarded, d.rank, tuple(r.text for r in d.reasons))
                    for d in result.lots
                ),
            )
        )
    fields: dict[str, object] = {
        "reference": "LEK-WMO-IB-2026",
        "title": "Inkoop Wmo individuele begeleiding 2026",
        "contracting_authority": AUTHORITY,
        "region": "Regio Lekstroom",
        "standstill_days": 20,
        "award_mode": mode,
        "scale_max": 10,
        "minimum_total": _rules(mode).minimum_total,
        "criteria": tuple(ReportCriterion(c.code, c.title, c.weight, c.minimum) for c in CRITERIA),
        "lots": tuple(ReportLot(code, name, PLACES[code]) for code, name in LOTS.items()),
        "timeline": Timeline(
            published_at=datetime(2026, 4, 1, 8, 0, tzinfo=UTC),
            qa_rounds=(
                QaRoundEntry(1, datetime(2026, 5, 1, 10, 0, tzinfo=UTC)),
                QaRoundEntry(2, datetime(2026, 6, 1, 10, 0, tzinfo=UTC)),
            ),
            question_deadline=datetime(2026, 5, 25, 10, 0, tzinfo=UTC),
            submission_deadline=datetime(2026, 6, 30, 10, 0, tzinfo=UTC),
            opening_started_at=datetime(2026, 6, 30, 11, 0, 0, tzinfo=UTC),
            opening_started_by="Anouk Jansen",
            opened_at=datetime(2026, 6, 30, 11, 4, 12, tzinfo=UTC),
            opened_by="Bram de Vries",
            decided_at=datetime(2026, 8, 28, 13, 0, tzinfo=UTC),
            decided_by="Anouk Jansen",
            letters_sent_at=SENT_AT,
        ),
        "committee": (
            CommitteeMember("Carla Smit", True, datetime(2026, 7, 1, 9, 0, tzinfo=UTC), ()),
            CommitteeMember(
                "Dirk Visser",
                False,
                datetime(2026, 7, 1, 9, 30, tzinfo=UTC),
                (
                    DeclaredBand(
                        BUURTZORG,
                        KVK[BUURTZORG],
                        "Mijn zus is wijkverpleegkundige bij Buurtzorg.",
                        datetime(2026, 7, 3, 10, 0, tzinfo=UTC),
                    ),
                ),
            ),
            CommitteeMember("Eva Mulder", False, datetime(2026, 7, 2, 8, 0, tzinfo=UTC), ()),
        ),
        "bids": tuple(bids),
        "coverage": _coverage(outcome),
        "gap_decisions": (
            GapDecisionEntry(
                "C",
                "0331",
                "CP",
                GAP_DECISION,
                "Anouk Jansen",
                datetime(2026, 8, 27, 9, 0, tzinfo=UTC),
            ),
        ),
    }
    fields.update(changes)
    return AwardReportData(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    with generated_at(MOMENT):
        return build_award_report(report_data())


@pytest.fixture(scope="module")
def report_text(report_pdf: bytes) -> str:
    return _text(report_pdf)


def test_report_lists_every_bid_with_its_time_of_receipt(report_text: str) -> None:
    for name, (bid_id, *_rest) in BIDS.items():
        assert f"Inschrijving {bid_id:02d}" in report_text
        assert name in report_text
        assert f"KvK {KVK[name]}" in report_text
    assert "30-06-2026 11:59:58" in report_text  # Ëiland, local time
    assert "25-06-2026 13:30:00" in report_text


def test_report_states_timeline_and_committee(report_text: str) -> None:
    assert "Nota van inlichtingen 1 01-05-2026 12:00" in report_text
    assert "Uiterste inschrijfdatum 30-06-2026 12:00" in report_text
    assert "gestart door Anouk Jansen op 30-06-2026 13:00:00, bevestigd door Bram de Vries" in (
        report_text
    )
    assert f"Einde opschortende termijn tot en met {STANDSTILL_END}" in report_text
    assert f"Dirk Visser lid 01-07-2026 11:30 {BUURTZORG}" in report_text
    # The declared band in full: who, with which organisation, why, declared later.
    assert "Mijn zus is wijkverpleegkundige bij Buurtzorg." in report_text
    assert "later gemeld, 03-07-2026 12:00" in report_text
    assert "Carla Smit voorzitter" in report_text


def test_report_states_requirements_scores_and_outcomes(report_text: str) -> None:
    assert "Voldoet niet aan: E3 (Verklaring Omtrent het Gedrag): Geen VOG" in report_text
    assert "uitgesloten op eisen, niet op kwaliteit beoordeeld" in report_text
    assert "6 6 4* 6 6 56,00" in report_text
    assert "Criterium G3: score 4 is lager dan het minimum 6" in report_text
    assert "A: gegund" in report_text


def test_report_marks_gaps_in_text_with_the_decisions(report_text: str) -> None:
    # Lot C (CP): Begeleid Thuis skips Lopik, Het Zorgnetwerk serves IJsselstein only and
    # Ëiland is rejected, so every cell but IJsselstein is short; only Lopik has a decision.
    assert "TEKORT" in report_text
    assert GAP_DECISION in report_text
    assert "GEEN BESLUIT" in report_text  # the other gaps of lot C have none
    assert "Ook opgegeven door niet-gegunde inschrijvers" in report_text
    assert "geen lokaal netwerk" in report_text


def test_report_lists_fragile_cells_with_the_providers_they_depend_on(report_text: str) -> None:
    assert "kwetsbaar" in report_text
    assert "Kwetsbare cellen" in report_text
    # Lot B, Houten PG: Het Zorgnetwerk and Begeleid Thuis exactly (Buurtzorg serves only
    # Vijfheerenlanden, Papieren is excluded).
    assert f"Houten PG – Psychogeriatrische of somatische aandoening 2 / 2 {NETWERK} {THUIS}" in (
        report_text
    )


def test_report_puts_wide_tables_on_landscape_pages(report_pdf: bytes) -> None:
    pages = PdfReader(BytesIO(report_pdf)).pages
    shapes = [float(page.mediabox.width) > float(page.mediabox.height) for page in pages]
    assert shapes[0] is False
    assert shapes[-1] is True


def test_report_holds_no_plan_text(report_text: str) -> None:
    assert PLAN_MARKER not in report_text


def test_ranked_report_states_ranks() -> None:
    text = _text(build_award_report(report_data("ranked")))
    assert "A: niet gegund (rang 3)" in text
    assert "Rangorde 3 in perceel A; er worden 2 inschrijvingen gegund" in text


def test_report_before_sending_says_when_the_standstill_starts() -> None:
    data = report_data()
    timeline = Timeline(**{**data.timeline.__dict__, "letters_sent_at": None})
    text = _text(build_award_report(report_data(timeline=timeline)))
    assert "nog niet verzonden" in text
    assert "20 kalenderdagen vanaf de dag na verzending" in text


def test_report_bytes_are_identical_for_identical_input(report_pdf: bytes) -> None:
    with generated_at(MOMENT):
        assert build_award_report(report_data()) == report_pdf


def test_sample_standstill_end_is_as_stated() -> None:
    assert letter_data("threshold", EILAND).standstill_end == date(2026, 9, 21)
    assert report_data().standstill_end == date(2026, 9, 21)


def test_documents_lay_out_with_hundreds_of_awarded_parties() -> None:
    # No single table cell may grow taller than a page: such a row cannot be split.
    names = [f"Zorgaanbieder {n:03d} met een wat langere statutaire naam B.V." for n in range(120)]
    everywhere = frozenset(
        (lot, m, g) for lot in LOTS for m, _ in MUNICIPALITIES for g, _ in TARGET_GROUPS[lot]
    )
    coverage = coverage_report(
        [
            LotGrid(code, name, 2, MUNICIPALITIES, TARGET_GROUPS[code])
            for code, name in LOTS.items()
        ],
        [
            ProviderCoverage(n, name, everywhere, frozenset(ALL), frozenset(LOTS), {})
            for n, name in enumerate(names)
        ],
    )
    bids = tuple(
        ReportBid(
            blind_code=f"Inschrijving {n:03d}",
            organisation_name=name,
            kvk_number=f"{10000000 + n}",
            received_at=RECEIVED[THUIS],
            failed_requirements=(),
            scores=tuple((c.code, 8) for c in CRITERIA),
            total=Decimal(80),
            results=tuple(LotOutcome(lot, True, None, ()) for lot in LOTS),
        )
        for n, name in enumerate(names)
    )
    report = build_award_report(report_data(bids=bids, coverage=coverage, gap_decisions=()))
    assert names[-1] in _text(report)

    data = letter_data("threshold", EILAND)
    parties = tuple(
        AwardedParty(name, tuple((c.code, 8) for c in CRITERIA), Decimal(80)) for name in names
    )
    tender = LetterTender(
        **{
            **data.tender.__dict__,
            "lots": tuple(LotAward(code, name, 0, parties) for code, name in LOTS.items()),
        }
    )
    letter = build_award_letter(AwardLetterData(**{**data.__dict__, "tender": tender}))
    assert names[-1] in _text(letter)


# --- The decision procedure in the report (issue 11) ------------------------------------

DRAW = DrawRecord(
    lot="A",
    codes=("Inschrijving 05", "Inschrijving 02"),
    method="Genummerde briefjes in een doos",
    drawn_by="Anouk Jansen",
    witnesses=("Bram de Vries", "Carla Smit"),
    drawn_at=datetime(2026, 8, 27, 9, 30, tzinfo=UTC),
    recorded_by="Bram de Vries",
    note="De briefjes zijn na afloop bewaard.",
)
WITHDRAWN = DecisionVersion(
    version=1,
    prepared_by="Anouk Jansen",
    prepared_at=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
    approved_by="Bram de Vries",
    approved_at=datetime(2026, 6, 2, 9, 0, tzinfo=UTC),
    sent_back=((datetime(2026, 6, 1, 12, 0, tzinfo=UTC), "Bram de Vries", "Motivering G2 mist"),),
    decided_on=date(2026, 6, 3),
    body="college van B&W van Houten",
    mandate="namens de regio Lekstroom",
    sent_at=datetime(2026, 7, 1, 8, 0, tzinfo=UTC),
    withdrawn_at=datetime(2026, 7, 15, 8, 0, tzinfo=UTC),
    withdrawn_by="Anouk Jansen",
    withdrawal_reason="Kort geding: de score op G2 wordt herzien.",
)
CURRENT = DecisionVersion(
    version=2,
    prepared_by="Anouk Jansen",
    prepared_at=datetime(2026, 8, 20, 9, 0, tzinfo=UTC),
    approved_by=None,
    approved_at=None,
    sent_back=(),
    decided_on=None,
    body="",
    mandate="",
    sent_at=None,
    withdrawn_at=None,
    withdrawn_by=None,
    withdrawal_reason="",
)


@pytest.fixture(scope="module")
def procedure_pdf() -> bytes:
    return build_award_report(
        report_data(
            draws=(DRAW,),
            history=(WITHDRAWN, CURRENT),
            signatory=LetterSignatory("M. de Boer", "Wethouder Zorg"),
            decision=DECISION,
        )
    )


@pytest.fixture(scope="module")
def procedure_text(procedure_pdf: bytes) -> str:
    return _text(procedure_pdf)


def test_report_timeline_names_the_deciding_body_and_the_signatory(procedure_text: str) -> None:
    assert (
        "Besluit op 28 augustus 2026 door het college van B&W van Houten (namens de regio "
        "Lekstroom) Ondertekening M. de Boer, Wethouder Zorg"
    ) in procedure_text


def test_report_records_each_draw(procedure_text: str) -> None:
    record = (
        "Perceel A – Begeleiding volwassenen Gelijk geëindigd 2 inschrijvingen "
        f"Getrokken volgorde 1. Inschrijving 05 – {NETWERK} 2. Inschrijving 02 – {BUURTZORG} "
        "Methode Genummerde briefjes in een doos Getrokken door Anouk Jansen "
        "In aanwezigheid van Bram de Vries en Carla Smit Moment 27-08-2026 11:30 "
        "Vastgelegd door Bram de Vries Opmerking De briefjes zijn na afloop bewaard."
    )
    assert record in procedure_text
    assert procedure_text.index("Loting") > procedure_text.index("Uitkomst per inschrijving")


def test_report_lists_every_version_of_the_decision(procedure_text: str) -> None:
    assert (
        "Het besluit kent 2 versies. Versie 1 is ingetrokken. Dit advies hoort bij versie 2."
    ) in procedure_text
    assert (
        "Versie 1 Gunningsadvies opgesteld door Anouk Jansen op 01-06-2026 11:00 "
        "Teruggestuurd door Bram de Vries op 01-06-2026 14:00, met als reden: Motivering G2 mist "
        "Goedkeuring door Bram de Vries op 02-06-2026 11:00 "
        "Besluit op 3 juni 2026 door het college van B&W van Houten (namens de regio Lekstroom) "
        "Verzending 01-07-2026 10:00 "
        "Intrekking ingetrokken door Anouk Jansen op 15-07-2026 10:00, met als reden: "
        "Kort geding: de score op G2 wordt herzien."
    ) in procedure_text
    assert (
        "Versie 2 Gunningsadvies opgesteld door Anouk Jansen op 20-08-2026 11:00 "
        "Goedkeuring nog niet goedgekeurd Besluit nog niet genomen "
        "Verzending nog niet verzonden"
    ) in procedure_text


def test_report_without_procedure_facts_says_so_in_its_sections(report_text: str) -> None:
    # The sections are always there (numbered as a proces-verbaal), saying what is missing.
    assert "8. Loting Er is niet geloot" in report_text
    assert "Van dit besluit is (nog) geen versie vastgelegd" in report_text
    for absent in ("Getrokken volgorde", "Versie 1", "Ondertekening", "Besluit op"):
        assert absent not in report_text


def test_report_with_procedure_facts_ends_without_an_empty_page(procedure_pdf: bytes) -> None:
    pages = _pages(procedure_pdf)
    frame = [AUTHORITY, "Regio Lekstroom", "Gunningsadvies · kenmerk LEK-WMO-IB-2026"]
    for number, page in enumerate(pages, start=1):
        body = " ".join(page.split()).replace(f"pagina {number} van {len(pages)}", "")
        for text in frame:
            body = body.replace(text, "")
        assert body.strip(), f"page {number} is empty"
    assert "Dit gunningsadvies is opgesteld uit" in " ".join(pages[-1].split())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"codes": ("Inschrijving 05",)}, "at least two"),
        ({"codes": ("Inschrijving 05", "Inschrijving 05")}, "drawn twice"),
    ],
)
def test_draw_record_refuses_fewer_than_two_or_duplicate_bids(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        replace(DRAW, **changes)


def test_report_refuses_a_draw_in_an_unknown_lot_or_of_an_unknown_bid() -> None:
    with pytest.raises(ValueError, match="unknown lot"):
        report_data(draws=(replace(DRAW, lot="Z"),))
    with pytest.raises(ValueError, match="unknown bids"):
        report_data(draws=(replace(DRAW, codes=("Inschrijving 05", "Inschrijving 99")),))


def test_report_refuses_versions_out_of_order_or_half_approved() -> None:
    with pytest.raises(ValueError, match="oldest first"):
        report_data(history=(CURRENT, WITHDRAWN))
    with pytest.raises(ValueError, match="oldest first"):
        report_data(history=(WITHDRAWN, WITHDRAWN))
    with pytest.raises(ValueError, match="approval needs both"):
        replace(CURRENT, approved_by="Bram de Vries")
    with pytest.raises(ValueError, match="withdrawal needs both"):
        replace(CURRENT, withdrawn_at=datetime(2026, 9, 1, tzinfo=UTC))
