"""The criteria-file loader accepts the published format and refuses wrong files.

Bad files are made by editing the Lekstroom file in one place, so each refusal
test fails as soon as the rule it names stops being enforced. Every refusal is
checked by its full Dutch message, field path included.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tender.criteria import CriteriaError, CriteriaFile, load_criteria, load_criteria_text

ROOT = Path(__file__).resolve().parents[2]
LEKSTROOM = ROOT / "criteria" / "lekstroom-2022.toml"
THREE_LOTS = Path(__file__).resolve().parent / "files" / "three-lots-ranked.toml"

SECOND_CRITERION_MINIMUM = (
    'minimum = 6\nmax_words = 1000  # voorbeeldwaarde\n\n[[criteria]]\ncode = "G3"'
)
LOT_GROUPS = 'target_groups = ["PG", "PSY", "NAH", "LVB", "CP"]'
LOT_MUNICIPALITIES = 'municipalities = ["0321", "0353", "0331", "0356", "1961"]'


def edited(*replacements: tuple[str, str], text: str | None = None) -> str:
    """The Lekstroom text (or ``text``) with each ``old`` replaced by ``new``.

    Each ``old`` must occur exactly once, so an edit can never silently miss.
    """
    result = LEKSTROOM.read_text(encoding="utf-8") if text is None else text
    for old, new in replacements:
        assert result.count(old) == 1, f"{old!r} occurs {result.count(old)} times"
        result = result.replace(old, new)
    return result


def refusal(text: str) -> list[str]:
    """The error messages with which ``text`` is refused."""
    with pytest.raises(CriteriaError) as info:
        load_criteria_text(text, source="lekstroom.toml")
    return info.value.errors


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


# --- Valid files ----------------------------------------------------------------


def test_lekstroom_file_loads_with_the_regions_tender() -> None:
    criteria_file = load_criteria(LEKSTROOM)

    assert isinstance(criteria_file, CriteriaFile)
    assert criteria_file.tender.reference == "LEK-WMO-IB-2022"
    assert criteria_file.tender.procedure == "SAS"
    assert criteria_file.tender.award_mode == "threshold"
    assert criteria_file.tender.standstill_days == 20
    assert criteria_file.tender.court == "Rechtbank Midden-Nederland"
    assert [m.code for m in criteria_file.municipalities] == [
        "0321",
        "0353",
        "0331",
        "0356",
        "1961",
    ]
    assert [g.code for g in criteria_file.target_groups] == ["PG", "PSY", "NAH", "LVB", "CP"]
    assert [score.score for score in criteria_file.scale] == [0, 2, 4, 6, 8, 10]
    (lot,) = criteria_file.lots
    assert lot.code == "IB"
    assert lot.min_providers_per_cell == 2
    assert lot.estimated_value_eur <= lot.maximum_value_eur
    assert len(criteria_file.products) == 18
    assert all(p.code.startswith("02") and p.unit == "maand" for p in criteria_file.products)
    assert sum(c.weight for c in criteria_file.criteria) == 100
    assert all(c.minimum == 6 for c in criteria_file.criteria)
    assert all(3 <= len(c.aspects) <= 5 for c in criteria_file.criteria)
    contract = criteria_file.contract
    assert (contract.initial_years, contract.extension_years) == (2, (1, 1))
    assert contract.initial_years + sum(contract.extension_years) == 4
    assert contract.start_date == date(2022, 7, 1)
    assert len(criteria_file.requirements) >= 5


def test_h4_example_region_loads_with_two_threshold_lots() -> None:
    criteria_file = load_criteria(ROOT / "criteria" / "h4-begeleiding-2019.toml")

    assert criteria_file.tender.reference == "H4-WMO-OV-2019"
    assert criteria_file.tender.award_mode == "threshold"
    assert criteria_file.tender.minimum_total == 55
    assert criteria_file.tender.court == "Rechtbank Den Haag"
    assert [m.name for m in criteria_file.municipalities] == [
        "Delft", "Midden-Delfland", "Rijswijk", "Westland",
    ]  # fmt: skip
    assert [score.score for score in criteria_file.scale] == [1, 4, 6, 8, 10]
    begeleiding, huishouden = criteria_file.lots
    # A lot without target_groups covers them all; HH names three of the five.
    assert begeleiding.target_groups == ("PG", "PSY", "NAH", "LVB", "CP")
    assert huishouden.target_groups == ("PG", "PSY", "NAH")
    assert huishouden.municipalities == ("0503", "1842", "0603", "1783")
    assert sum(c.weight for c in criteria_file.criteria) == 100
    assert criteria_file.signatory is not None
    assert criteria_file.signatory.name == "M. de Vries"


def test_three_lot_ranked_file_loads_and_fills_in_defaults() -> None:
    criteria_file = load_criteria(str(THREE_LOTS))

    assert criteria_file.tender.award_mode == "ranked"
    assert criteria_file.tender.tie_break == "criteria_order"
    assert criteria_file.tender.spread_flag == 4
    herstel, stabiel, ouderen = criteria_file.lots
    # A lot without target_groups/municipalities covers all of them, in file order.
    assert herstel.target_groups == ("PG", "PSY", "LVB")
    assert herstel.municipalities == ("0546", "0547", "0579", "0638")
    assert herstel.min_providers_per_cell == 2
    assert stabiel.municipalities == ("0546", "0547")
    assert ouderen.target_groups == ("PG",)
    assert [lot.max_awards for lot in criteria_file.lots] == [4, 3, 2]
    assert criteria_file.scale[0].description == ""
    assert criteria_file.criteria[1].aspects == ()
    assert criteria_file.products[0].unit == "maand"
    contract = criteria_file.contract
    assert contract.initial_years + sum(contract.extension_years) == 3
    assert contract.start_date == date(2023, 1, 1)


def test_numbers_become_exact_decimals() -> None:
    criteria_file = load_criteria_text(
        edited(("tariff_eur = 346.67", "tariff_eur = 0.1"), ("weight = 20", "weight = 20.3"))
    )

    assert criteria_file.products[0].tariff_eur == Decimal("0.1")
    assert criteria_file.criteria[2].weight == Decimal("20.3")
    assert isinstance(criteria_file.lots[0].estimated_value_eur, Decimal)


def test_strings_are_stripped() -> None:
    criteria_file = load_criteria_text(
        edited(
            ('name = "Houten"', 'name = "  Houten\\n"'),
            ('procedure = "SAS"', 'procedure = " SAS "'),
            ('description = "Geen antwoord', 'description = "\\tGeen antwoord'),
        )
    )

    assert criteria_file.municipalities[0].name == "Houten"
    assert criteria_file.tender.procedure == "SAS"
    assert criteria_file.scale[0].description.startswith("Geen antwoord")


def test_start_date_may_be_a_string() -> None:
    criteria_file = load_criteria_text(
        edited(("start_date = 2022-07-01", 'start_date = "2022-07-01"'))
    )

    assert criteria_file.contract.start_date == date(2022, 7, 1)


# --- The refusals named in the format ---------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "notice_months = 3",
            "notice_months = 3\nnotice_month = 3",
            'contract.notice_month: onbekend veld (bedoelt u "notice_months"?)',
            id="in-table",
        ),
        pytest.param(
            "\nformat = 1\n",
            "\nformat = 1\nformaat = 1\n",
            'formaat: onbekend veld (bedoelt u "format"?)',
            id="top-level",
        ),
        pytest.param(
            '{ score = 2, label = "onvoldoende",',
            '{ score = 2, lable = "x", label = "onvoldoende",',
            'scale.levels[2].lable: onbekend veld (bedoelt u "label"?)',
            id="in-inline-table",
        ),
        pytest.param(
            SECOND_CRITERION_MINIMUM,
            SECOND_CRITERION_MINIMUM.replace("minimum = 6", "minimum = 6\ntoelichting = 'x'"),
            "criteria[2].toelichting: onbekend veld",
            id="in-array-of-tables",
        ),
        pytest.param(
            "[contract]\ninitial_years",
            "[contract]\nextra = { a = 1 }\ninitial_years",
            "contract.extra: onbekend veld",
            id="without-suggestion",
        ),
    ],
)
def test_unknown_key_is_refused(old: str, new: str, message: str) -> None:
    assert refusal(edited((old, new))) == [message]


def test_misspelt_key_is_reported_as_unknown_and_the_real_one_as_missing() -> None:
    errors = refusal(edited(('award_mode = "threshold"', 'awardmode = "threshold"')))

    assert errors == [
        "tender.award_mode: ontbreekt",
        'tender.awardmode: onbekend veld (bedoelt u "award_mode"?)',
    ]


def test_criterion_minimum_must_be_a_score_on_the_scale() -> None:
    errors = refusal(
        edited((SECOND_CRITERION_MINIMUM, SECOND_CRITERION_MINIMUM.replace("= 6", "= 5")))
    )

    assert errors == [
        "criteria[2].minimum: 5 is geen score op de schaal (kies uit: 0, 2, 4, 6, 8, 10)"
    ]


def test_lot_must_name_known_target_groups() -> None:
    errors = refusal(edited((LOT_GROUPS, 'target_groups = ["PG", "XYZ"]')))

    assert errors == ['lots[1].target_groups: onbekende doelgroep "XYZ"']


def test_lot_must_name_known_municipalities() -> None:
    errors = refusal(edited((LOT_MUNICIPALITIES, 'municipalities = ["0321", "0344"]')))

    assert errors == ['lots[1].municipalities: onbekende gemeente "0344"']


def test_municipality_codes_must_be_unique() -> None:
    errors = refusal(edited(('code = "0353"', 'code = "0321"')))

    # Only the duplicate: the lot's reference to 0353 is not checked against a broken list.
    assert errors == ['municipalities[2].code: dubbele code "0321" (ook in municipalities[1])']


@pytest.mark.parametrize(
    ("old", "new", "ends"),
    [
        (
            "extension_years = [1, 1]",
            "extension_years = [1, 1, 1]",
            "de initiële looptijd tot en met 30-06-2024, verlenging 1 tot en met 30-06-2025, "
            "verlenging 2 tot en met 30-06-2026, verlenging 3 tot en met 30-06-2027 (te laat)",
        ),
        (
            "initial_years = 2",
            "initial_years = 3",
            "de initiële looptijd tot en met 30-06-2025, verlenging 1 tot en met 30-06-2026, "
            "verlenging 2 tot en met 30-06-2027 (te laat)",
        ),
    ],
)
def test_contract_term_is_at_most_four_years(old: str, new: str, ends: str) -> None:
    assert refusal(edited((old, new))) == [
        "contract: de totale looptijd (initial_years + extension_years) is 5 jaar; "
        "maximaal 4 jaar toegestaan (Aanbestedingswet 2012 art. 2.140). Vanaf 01-07-2022 "
        f"mag de overeenkomst uiterlijk lopen tot en met 30-06-2026; nu loopt {ends}"
    ]


def test_ranked_mode_requires_max_awards_on_every_lot() -> None:
    errors = refusal(
        edited(
            ('award_mode = "threshold"', 'award_mode = "ranked"'),
            ("max_awards = 0\n", ""),
        )
    )

    assert errors == [
        'lots[1].max_awards: moet groter dan 0 zijn bij award_mode = "ranked": '
        "het aantal inschrijvingen dat in dit perceel gegund wordt"
    ]


def test_ranked_mode_names_the_lot_without_max_awards() -> None:
    text = edited(("max_awards = 3\n", ""), text=THREE_LOTS.read_text(encoding="utf-8"))

    assert [e.split(":")[0] for e in refusal(text)] == ["lots[2].max_awards"]


# --- File and syntax problems -----------------------------------------------------


def test_invalid_toml_is_refused_with_line_and_column() -> None:
    text = edited(('court = "Rechtbank Midden-Nederland"', "court = Rechtbank Midden-Nederland"))

    errors = refusal(text)

    line = line_of(text, "court = Rechtbank")
    assert errors == [f"lekstroom.toml: ongeldige TOML op regel {line}, kolom 9: Invalid value"]


def test_toml_error_at_end_of_file_names_the_last_line() -> None:
    errors = refusal("format = 1\n[tender]\ntitle = ")

    assert errors == [
        "lekstroom.toml: ongeldige TOML aan het einde van het bestand (regel 3): Invalid value"
    ]


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "regio.toml"
    broken.write_text("format = = 1\n", encoding="utf-8")
    not_utf8 = tmp_path / "latin1.toml"
    not_utf8.write_bytes('title = "Inkoop ©"\n'.encode("latin-1"))

    with pytest.raises(CriteriaError) as syntax:
        load_criteria(broken)
    with pytest.raises(CriteriaError) as missing:
        load_criteria(tmp_path / "bestaat-niet.toml")
    with pytest.raises(CriteriaError) as encoding:
        load_criteria(not_utf8)
    with pytest.raises(CriteriaError) as directory:
        load_criteria(tmp_path)

    assert str(syntax.value) == f"{broken}: ongeldige TOML op regel 1, kolom 10: Invalid value"
    assert syntax.value.source == str(broken)
    assert str(missing.value) == f"{tmp_path / 'bestaat-niet.toml'}: bestand niet gevonden"
    assert str(encoding.value) == (
        f"{not_utf8}: is geen geldige UTF-8-tekst (ongeldige byte op positie 16)"
    )
    assert str(directory.value) == f"{tmp_path}: is een map, geen bestand"


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    with_bom = tmp_path / "bom.toml"
    with_bom.write_bytes(b"\xef\xbb\xbf" + LEKSTROOM.read_bytes())

    assert load_criteria(with_bom).tender.reference == "LEK-WMO-IB-2022"


# --- Dates, types, required fields ------------------------------------------------


def test_impossible_date_string_is_refused() -> None:
    errors = refusal(edited(("start_date = 2022-07-01", 'start_date = "2022-02-30"')))

    assert errors == ['contract.start_date: "2022-02-30" is geen bestaande datum']


def test_impossible_toml_date_is_a_syntax_error_with_its_line() -> None:
    text = edited(("start_date = 2022-07-01", "start_date = 2022-02-30"))

    line = line_of(text, "start_date")
    assert refusal(text) == [
        f"lekstroom.toml: ongeldige TOML op regel {line}, kolom 14: Invalid date or datetime"
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "weight = 15  # voorbeeldwaarde\nminimum = 6\nmax_words = 750  # voorbeeldwaarde\n\n#",
            'weight = "15"\nminimum = 6\nmax_words = 750\n\n#',
            'criteria[5].weight: moet een getal groter dan 0 zijn (gevonden: tekst "15")',
            id="string-for-number",
        ),
        pytest.param(
            "standstill_days = 20",
            "standstill_days = true",
            "tender.standstill_days: moet een geheel getal van 20 of meer zijn "
            "(gevonden: ja/nee-waarde true)",
            id="bool-is-no-number",
        ),
        pytest.param(
            "notice_months = 3",
            "notice_months = 3.0",
            "contract.notice_months: moet een geheel getal van 0 of meer zijn "
            "(gevonden: kommagetal 3.0)",
            id="float-for-integer",
        ),
        pytest.param(
            'code = "0353"',
            "code = 353",
            "municipalities[2].code: moet tekst zijn (gevonden: geheel getal 353); "
            "zet de waarde tussen aanhalingstekens",
            id="number-for-code",
        ),
        pytest.param(
            LOT_GROUPS,
            'target_groups = "PG"',
            'lots[1].target_groups: moet een lijst zijn (gevonden: tekst "PG")',
            id="string-for-list",
        ),
        pytest.param(
            "start_date = 2022-07-01",
            "start_date = 2022-07-01T09:00:00",
            'contract.start_date: moet een datum (2022-07-01 of "2022-07-01") zijn '
            "(gevonden: datum met tijd 2022-07-01T09:00:00)",
            id="datetime-for-date",
        ),
        pytest.param(
            "start_date = 2022-07-01",
            'start_date = "1 juli 2022"',
            'contract.start_date: moet een datum (2022-07-01 of "2022-07-01") zijn '
            '(gevonden: tekst "1 juli 2022")',
            id="dutch-date-string",
        ),
    ],
)
def test_wrong_type_is_refused(old: str, new: str, message: str) -> None:
    assert message in refusal(edited((old, new)))


def test_value_instead_of_table_is_refused() -> None:
    text = edited(
        ("\nformat = 1\n", "\nformat = 1\ncontract = 4\n"),
        ("[contract]\ninitial", "[contract_]\ninitial"),
    )

    assert refusal(text) == [
        "contract: moet een tabel zijn (gevonden: geheel getal 4)",
        'contract_: onbekend veld (bedoelt u "contract"?)',
    ]


@pytest.mark.parametrize(
    ("old", "message"),
    [
        ('court = "Rechtbank Midden-Nederland"\n', "tender.court: ontbreekt"),
        ("\nformat = 1\n", "format: ontbreekt"),
        ('title = "Inschrijving in het Handelsregister"\n', "requirements[1].title: ontbreekt"),
        ("initial_years = 2\n", "contract.initial_years: ontbreekt"),
        ("estimated_value_eur = 31800000\n", "lots[1].estimated_value_eur: ontbreekt"),
    ],
)
def test_missing_required_field_is_refused(old: str, message: str) -> None:
    assert refusal(edited((old, ""))) == [message]


def test_missing_required_section_is_refused() -> None:
    text = edited(("[contract]\ninitial", "[contract_]\ninitial"))

    assert "contract: ontbreekt" in refusal(text)


def test_empty_required_string_is_refused() -> None:
    errors = refusal(edited(('court = "Rechtbank Midden-Nederland"', 'court = "   "')))

    assert errors == ["tender.court: mag niet leeg zijn"]


def test_all_errors_are_reported_together() -> None:
    text = edited(
        ('award_mode = "threshold"', 'award_mode = "best"'),
        ('code = "0353"', 'code = "0321"'),
        ("weight = 20", "weight = 0"),
        ("extension_years = [1, 1]", "extension_years = [1, 1, 1]"),
        ("tariff_eur = 346.67", 'tariff_eur = "gratis"'),
    )

    with pytest.raises(CriteriaError) as info:
        load_criteria_text(text)

    expected = [
        'tender.award_mode: onbekende waarde "best", kies uit: threshold, ranked',
        'municipalities[2].code: dubbele code "0321" (ook in municipalities[1])',
        "criteria[3].weight: moet een getal groter dan 0 zijn (gevonden: 0)",
        "contract: de totale looptijd (initial_years + extension_years) is 5 jaar; "
        "maximaal 4 jaar toegestaan (Aanbestedingswet 2012 art. 2.140). Vanaf 01-07-2022 "
        "mag de overeenkomst uiterlijk lopen tot en met 30-06-2026; nu loopt de initiële "
        "looptijd tot en met 30-06-2024, verlenging 1 tot en met 30-06-2025, verlenging 2 "
        "tot en met 30-06-2026, verlenging 3 tot en met 30-06-2027 (te laat)",
        'products[1].tariff_eur: moet een getal van 0 of meer zijn (gevonden: tekst "gratis")',
    ]
    assert info.value.errors == expected
    assert str(info.value) == "\n".join(expected)


# --- The other rules of the format, one edit each ---------------------------------


@pytest.mark.parametrize(
    ("replacements", "message"),
    [
        pytest.param(
            [("\nformat = 1\n", "\nformat = 2\n")],
            "format: versie 2 wordt niet ondersteund; gebruik format = 1",
            id="format-version",
        ),
        pytest.param(
            [('reference = "LEK-WMO-IB-2022"', 'reference = "LEK WMO/2022"')],
            "tender.reference: mag alleen letters, cijfers en '-' bevatten "
            '(gevonden: "LEK WMO/2022")',
            id="reference-characters",
        ),
        pytest.param(
            [('procedure = "SAS"', 'procedure = "openbaar"')],
            'tender.procedure: onbekende waarde "openbaar", kies uit: SAS',
            id="procedure",
        ),
        pytest.param(
            [('tie_break = "criteria_order"', 'tie_break = "loting"')],
            'tender.tie_break: onbekende waarde "loting", kies uit: criteria_order',
            id="tie-break",
        ),
        pytest.param(
            [("standstill_days = 20", "standstill_days = 19")],
            "tender.standstill_days: moet een geheel getal van 20 of meer zijn (gevonden: 19)",
            id="standstill",
        ),
        pytest.param(
            [("minimum_total = 0", "minimum_total = -1")],
            "tender.minimum_total: moet een getal van 0 of meer zijn (gevonden: -1)",
            id="minimum-total-negative",
        ),
        pytest.param(
            [("minimum_total = 0", "minimum_total = 100.5")],
            "tender.minimum_total: 100.5 is onhaalbaar: de totaalscore loopt van 0 tot en met "
            "100, welke gewichten en schaal u ook kiest (een inschrijving met de hoogste score "
            "op elk criterium haalt 100)",
            id="minimum-total-unreachable",
        ),
        pytest.param(
            [("spread_flag = 4", "spread_flag = -1")],
            "tender.spread_flag: moet een geheel getal van 0 of meer zijn (gevonden: -1)",
            id="spread-flag-negative",
        ),
        pytest.param(
            [("spread_flag = 4", "spread_flag = 11")],
            "tender.spread_flag: 11 is groter dan het verschil tussen de hoogste en laagste "
            "score op de schaal (10), zodat nooit een verschil gemarkeerd wordt; "
            "kies een kleinere waarde",
            id="spread-flag-beyond-scale",
        ),
        pytest.param(
            [("{ score = 4,", "{ score = 1,")],
            "scale.levels[3].score: de scores moeten oplopen (1 staat na 2)",
            id="scale-ascending",
        ),
        pytest.param(
            [("{ score = 4,", "{ score = 2,")],
            "scale.levels[3].score: dubbele score 2",
            id="scale-unique",
        ),
        pytest.param(
            [("{ score = 4,", "{ score = -4,")],
            "scale.levels[3].score: moet een geheel getal van 0 of meer zijn (gevonden: -4)",
            id="scale-score-negative",
        ),
        pytest.param(
            [('label = "matig"', 'label = ""')],
            "scale.levels[3].label: mag niet leeg zijn",
            id="scale-label",
        ),
        pytest.param(
            [('code = "0353"', 'code = "353"')],
            'municipalities[2].code: moet precies 4 cijfers zijn (CBS-gemeentecode, bijv. "0321") '
            '(gevonden: "353")',
            id="cbs-code",
        ),
        pytest.param(
            [('name = "Lopik"', 'name = ""')],
            "municipalities[3].name: mag niet leeg zijn",
            id="municipality-name",
        ),
        pytest.param(
            [('code = "NAH"', 'code = "PSY"')],
            'target_groups[3].code: dubbele code "PSY" (ook in target_groups[2])',
            id="target-group-unique",
        ),
        pytest.param(
            [(LOT_GROUPS, 'target_groups = ["PG", "PSY", "PG"]')],
            'lots[1].target_groups: "PG" staat er meer dan eens in',
            id="lot-reference-twice",
        ),
        pytest.param(
            [(LOT_MUNICIPALITIES, "municipalities = []")],
            "lots[1].municipalities: mag niet leeg zijn; laat het veld weg voor alle gemeenten",
            id="lot-empty-list",
        ),
        pytest.param(
            [("min_providers_per_cell = 2", "min_providers_per_cell = 0")],
            "lots[1].min_providers_per_cell: moet een geheel getal van 1 of meer zijn "
            "(gevonden: 0)",
            id="min-providers",
        ),
        pytest.param(
            [("max_awards = 0", "max_awards = 5")],
            'lots[1].max_awards: wordt alleen gebruikt bij award_mode = "ranked"; bij '
            '"threshold" wordt elke geslaagde inschrijving gegund (laat het veld weg of zet '
            "het op 0)",
            id="max-awards-in-threshold-mode",
        ),
        pytest.param(
            [("maximum_value_eur = 38000000", "maximum_value_eur = 30000000")],
            "lots[1].maximum_value_eur: moet minstens gelijk zijn aan estimated_value_eur "
            "(31800000) (gevonden: 30000000)",
            id="maximum-below-estimate",
        ),
        pytest.param(
            [("estimated_value_eur = 31800000", "estimated_value_eur = -1")],
            "lots[1].estimated_value_eur: moet een getal van 0 of meer zijn (gevonden: -1)",
            id="value-negative",
        ),
        pytest.param(
            [
                (
                    "# --- Eisen",
                    '[[lots]]\ncode = "IB"\nname = "x"\nestimated_value_eur = 1\n'
                    "maximum_value_eur = 1\n# --- Eisen",
                )
            ],
            'lots[2].code: dubbele code "IB" (ook in lots[1])',
            id="lot-unique",
        ),
        pytest.param(
            [('evidence = "optional"', 'evidence = "misschien"')],
            'requirements[2].evidence: onbekende waarde "misschien", kies uit: required, '
            "optional, none",
            id="evidence",
        ),
        pytest.param(
            [('code = "E3"', 'code = "E2"')],
            'requirements[3].code: dubbele code "E2" (ook in requirements[2])',
            id="requirement-unique",
        ),
        pytest.param(
            [('code = "G4"', 'code = "G1"')],
            'criteria[4].code: dubbele code "G1" (ook in criteria[1])',
            id="criterion-unique",
        ),
        pytest.param(
            [("weight = 20", "weight = -20")],
            "criteria[3].weight: moet een getal groter dan 0 zijn (gevonden: -20)",
            id="weight-negative",
        ),
        pytest.param(
            [
                (
                    'max_words = 1000  # voorbeeldwaarde\n\n[[criteria]]\ncode = "G2"',
                    'max_words = 0\n\n[[criteria]]\ncode = "G2"',
                )
            ],
            "criteria[1].max_words: moet een geheel getal van 1 of meer zijn (gevonden: 0)",
            id="max-words",
        ),
        pytest.param(
            [('"Werken op basis van het meerjarig', '42, "Werken op basis van het meerjarig')],
            "criteria[5].aspects[2]: moet tekst zijn (gevonden: geheel getal 42); "
            "zet de waarde tussen aanhalingstekens",
            id="aspect-type",
        ),
        pytest.param(
            [("extension_years = [1, 1]", "extension_years = [1, 0]")],
            "contract.extension_years[2]: moet een geheel getal van 1 of meer zijn (gevonden: 0)",
            id="extension-years",
        ),
        pytest.param(
            [("initial_years = 2", "initial_years = 0")],
            "contract.initial_years: moet een geheel getal van 1 of meer zijn (gevonden: 0)",
            id="initial-years",
        ),
        pytest.param(
            [("notice_months = 3", "notice_months = -1")],
            "contract.notice_months: moet een geheel getal van 0 of meer zijn (gevonden: -1)",
            id="notice-months",
        ),
        pytest.param(
            [("tariff_eur = 346.67", "tariff_eur = -346.67")],
            "products[1].tariff_eur: moet een getal van 0 of meer zijn (gevonden: -346.67)",
            id="tariff-negative",
        ),
        pytest.param(
            [("tariff_eur = 346.67", "tariff_eur = nan")],
            "products[1].tariff_eur: moet een getal van 0 of meer zijn (gevonden: kommagetal nan)",
            id="tariff-not-finite",
        ),
        pytest.param(
            [('unit = "maand"\ntariff_eur = 346.67', 'unit = " "\ntariff_eur = 346.67')],
            "products[1].unit: mag niet leeg zijn",
            id="unit-empty",
        ),
        pytest.param(
            [('code = "02A12"', 'code = "02A11"')],
            'products[2].code: dubbele code "02A11" (ook in products[1])',
            id="product-unique",
        ),
    ],
)
def test_format_rule_is_enforced(replacements: list[tuple[str, str]], message: str) -> None:
    assert refusal(edited(*replacements)) == [message]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "levels = [{ score = 0, label = 'nee' }]",
            "scale.levels: moet minimaal 2 elementen bevatten (gevonden: 1)",
            id="scale-two-levels",
        ),
        pytest.param(
            "levels = [1, 2]",
            "scale.levels[1]: moet een tabel zijn (gevonden: geheel getal 1)",
            id="scale-level-table",
        ),
    ],
)
def test_scale_shape_is_enforced(text: str, message: str) -> None:
    lekstroom = LEKSTROOM.read_text(encoding="utf-8")
    start = lekstroom.index("levels = [")
    end = lekstroom.index("]\n", start) + 1

    assert message in refusal(lekstroom[:start] + text + lekstroom[end:])


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("municipalities", "municipalities: ontbreekt"),
        ("target_groups", "target_groups: ontbreekt"),
        ("lots", "lots: ontbreekt"),
        ("criteria", "criteria: ontbreekt"),
    ],
)
def test_sections_need_at_least_one_item(section: str, message: str) -> None:
    text = edited(("\nformat = 1\n", f"\nformat = 1\n{section} = []\n"))
    text = text.replace(f"[[{section}]]", f"[[removed_{section}]]")

    errors = refusal(text)

    assert f"{section}: moet minimaal 1 element bevatten (gevonden: 0)" in errors
    without = refusal(text.replace(f"{section} = []\n", ""))
    assert message in without


def test_requirements_and_products_may_be_left_out() -> None:
    lekstroom = LEKSTROOM.read_text(encoding="utf-8")
    text = (
        lekstroom[: lekstroom.index("# --- Eisen")] + lekstroom[lekstroom.index("# --- Gunning") :]
    )
    text = text[: text.index("# --- Producten")]

    criteria_file = load_criteria_text(text)

    assert criteria_file.requirements == ()
    assert criteria_file.products == ()
