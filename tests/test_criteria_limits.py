"""The criteria check refuses, with the line, every value that would fail later.

Each refusal below passed the check before (issue 13, item 5) and then failed in
the database (a text longer than its column, an integer past 32 bits, a weight
stored as 0), in a date computation (a start in the year 9999, a term of a
million years) or on a page (a minimum total above 100). Each is made by editing
the Lekstroom file in one place; limits are read from the model, as the loader
reads them, so the test follows a column that is widened.
"""

from __future__ import annotations

import io
import tomllib
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from factories import LEKSTROOM, login, make_tender, make_user
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock
from tender.accounts.models import Role
from tender.criteria import CriteriaError, load_criteria_text
from tender.criteria.lines import field_lines
from tender.tenders import service as tenders
from tender.tenders.models import (
    Criterion,
    Lot,
    Municipality,
    Product,
    ScaleLevel,
    TargetGroup,
    Tender,
)

ROOT = Path(__file__).resolve().parents[1]
TEXT = LEKSTROOM.read_text(encoding="utf-8")
EXAMPLES = [
    *sorted((ROOT / "criteria").glob("*.toml")),
    *sorted((ROOT / "tests" / "criteria" / "files").glob("*.toml")),
]


def length(table: Any, name: str) -> int:
    return int(table.__table__.c[name].type.length)


def edited(*replacements: tuple[str, str]) -> str:
    """The Lekstroom text with each ``old`` (occurring exactly once) replaced by ``new``."""
    result = TEXT
    for old, new in replacements:
        assert result.count(old) == 1, f"{old!r} occurs {result.count(old)} times"
        result = result.replace(old, new)
    return result


def line_of(text: str, fragment: str) -> int:
    assert text.count(fragment) == 1, fragment
    return text[: text.index(fragment)].count("\n") + 1


def refused(text: str) -> list[str]:
    """The messages with their lines in front, as `flask criteria check` prints them."""
    with pytest.raises(CriteriaError) as info:
        load_criteria_text(text, source="lekstroom.toml")
    return info.value.numbered()


G4_WEIGHT = (
    "weight = 15  # voorbeeldwaarde\nminimum = 6\nmax_words = 750  # voorbeeldwaarde\n\n"
    '[[criteria]]\ncode = "G5"'
)
G4_WORDS = 'max_words = 750  # voorbeeldwaarde\n\n[[criteria]]\ncode = "G5"'
TITLE = 'title = "Inkoop Wmo individuele begeleiding 2022"'
SIGNATORY = 'name = "J. Jansen"  # voorbeeldwaarde'
LABEL = 'label = "ontbreekt"'
FIRST_REQUIREMENT = 'title = "Inschrijving in het Handelsregister"'
FIRST_CRITERION = 'title = "Ervaring en onderscheidende kwaliteit"'
FIRST_PRODUCT = 'name = "Begeleiding 1-2 resultaatgebieden, behouden, gemiddelde intensiteit"'

# (replacements, fragment on the refused line, message after "regel N: ")
REFUSALS = {
    # Texts longer than the database column that stores them.
    "title-too-long": (
        [(TITLE, f'title = "{"x" * (length(Tender, "title") + 1)}"')],
        'title = "xxx',
        f"tender.title: is te lang: hoogstens {length(Tender, 'title')} tekens "
        f"(gevonden: {length(Tender, 'title') + 1})",
    ),
    "reference-too-long": (
        [('reference = "LEK-WMO-IB-2022"', f'reference = "{"R" * 61}"')],
        'reference = "RRR',
        f"tender.reference: is te lang: hoogstens {length(Tender, 'reference')} tekens "
        "(gevonden: 61)",
    ),
    "signatory-too-long": (
        [(SIGNATORY, f'name = "{"J" * (length(Tender, "signatory_name") + 1)}"')],
        'name = "JJJ',
        f"signatory.name: is te lang: hoogstens {length(Tender, 'signatory_name')} tekens "
        f"(gevonden: {length(Tender, 'signatory_name') + 1})",
    ),
    "scale-label-too-long": (
        [(LABEL, f'label = "{"o" * (length(ScaleLevel, "label") + 1)}"')],
        'label = "ooo',
        f"scale.levels[1].label: is te lang: hoogstens {length(ScaleLevel, 'label')} tekens "
        f"(gevonden: {length(ScaleLevel, 'label') + 1})",
    ),
    "municipality-name-too-long": (
        [('name = "Houten"', f'name = "{"H" * (length(Municipality, "name") + 1)}"')],
        'name = "HHH',
        f"municipalities[1].name: is te lang: hoogstens {length(Municipality, 'name')} tekens "
        f"(gevonden: {length(Municipality, 'name') + 1})",
    ),
    "target-group-code-too-long": (
        [
            ('code = "PG"', f'code = "{"P" * (length(TargetGroup, "code") + 1)}"'),
            ('target_groups = ["PG", "PSY", "NAH", "LVB", "CP"]\n', ""),
        ],
        'code = "PPP',
        f"target_groups[1].code: is te lang: hoogstens {length(TargetGroup, 'code')} tekens "
        f"(gevonden: {length(TargetGroup, 'code') + 1})",
    ),
    "lot-name-too-long": (
        [('name = "Wmo individuele begeleiding"', f'name = "{"L" * 201}"')],
        'name = "LLL',
        f"lots[1].name: is te lang: hoogstens {length(Lot, 'name')} tekens (gevonden: 201)",
    ),
    "requirement-title-too-long": (
        [(FIRST_REQUIREMENT, f'title = "{"E" * 301}"')],
        'title = "EEE',
        "requirements[1].title: is te lang: hoogstens 300 tekens (gevonden: 301)",
    ),
    "criterion-title-too-long": (
        [(FIRST_CRITERION, f'title = "{"G" * (length(Criterion, "title") + 1)}"')],
        'title = "GGG',
        f"criteria[1].title: is te lang: hoogstens {length(Criterion, 'title')} tekens "
        f"(gevonden: {length(Criterion, 'title') + 1})",
    ),
    "product-unit-too-long": (
        [('unit = "maand"\ntariff_eur = 346.67', f'unit = "{"m" * 41}"\ntariff_eur = 346.67')],
        'unit = "mmm',
        f"products[1].unit: is te lang: hoogstens {length(Product, 'unit')} tekens (gevonden: 41)",
    ),
    # NUL and other control characters (PostgreSQL refuses NUL in text).
    "nul-in-region": (
        [('region = "Regio Lekstroom"', 'region = "Regio\\u0000Lekstroom"')],
        "region = ",
        "tender.region: bevat een onzichtbaar stuurteken (U+0000) op positie 6; verwijder het",
    ),
    "bell-in-requirement-text": (
        [
            (
                'text = "De inschrijver staat ingeschreven',
                'text = "De inschrijver\\u0007 staat ingeschreven',
            )
        ],
        'text = "De inschrijver\\u0007',
        "requirements[1].text: bevat een onzichtbaar stuurteken (U+0007) op positie 15; "
        "verwijder het",
    ),
    "delete-in-scale-description": (
        [('description = "Geen antwoord,', 'description = "\\u007fGeen antwoord,')],
        '{ score = 0, label = "ontbreekt"',
        "scale.levels[1].description: bevat een onzichtbaar stuurteken (U+007F) op positie 1; "
        "verwijder het",
    ),
    "line-break-in-title": (
        [(TITLE, 'title = "Inkoop Wmo\\nindividuele begeleiding"')],
        'title = "Inkoop Wmo\\n',
        "tender.title: moet op één regel staan (gevonden: een regeleinde)",
    ),
    # Integers past what a column holds or any sane use.
    "max-words-past-64-bits": (
        [(G4_WORDS, G4_WORDS.replace("750  # voorbeeldwaarde", str(2**64)))],
        f"max_words = {2**64}",
        f"criteria[4].max_words: mag hoogstens 100000 zijn (gevonden: {2**64})",
    ),
    "score-past-32-bits": (
        [("{ score = 10,", f"{{ score = {2**31},")],
        f"{{ score = {2**31},",
        f"scale.levels[6].score: mag hoogstens 100 zijn (gevonden: {2**31})",
    ),
    "min-providers-huge": (
        [("min_providers_per_cell = 2", f"min_providers_per_cell = {2**40}")],
        f"min_providers_per_cell = {2**40}",
        f"lots[1].min_providers_per_cell: mag hoogstens 100 zijn (gevonden: {2**40})",
    ),
    "max-awards-past-32-bits": (
        [
            ('award_mode = "threshold"', 'award_mode = "ranked"'),
            ("max_awards = 0", f"max_awards = {2**32}"),
        ],
        "max_awards",
        f"lots[1].max_awards: mag hoogstens 1000 zijn (gevonden: {2**32})",
    ),
    # Day and period counts.
    "standstill-days-unbounded": (
        [("standstill_days = 20", "standstill_days = 100000")],
        "standstill_days",
        "tender.standstill_days: mag hoogstens 90 zijn (kalenderdagen; de wet vraagt er "
        "minstens 20) (gevonden: 100000)",
    ),
    "notice-months-unbounded": (
        [("notice_months = 3", "notice_months = 99999999999")],
        "notice_months",
        "contract.notice_months: mag hoogstens 24 zijn (opzegtermijn vóór een verlenging) "
        "(gevonden: 99999999999)",
    ),
    "initial-years-of-a-million": (
        [("initial_years = 2", "initial_years = 1000000")],
        "initial_years",
        "contract.initial_years: mag hoogstens 4 zijn (de maximale looptijd, "
        "Aanbestedingswet 2012 art. 2.140) (gevonden: 1000000)",
    ),
    "extension-of-2-to-the-40": (
        [("extension_years = [1, 1]", f"extension_years = [1, {2**40}]")],
        "extension_years",
        "contract.extension_years[2]: mag hoogstens 4 zijn (de maximale looptijd, "
        f"Aanbestedingswet 2012 art. 2.140) (gevonden: {2**40})",
    ),
    # Numbers that do not fit their Numeric(precision, scale) column.
    "weight-rounds-to-zero": (
        [(G4_WEIGHT, G4_WEIGHT.replace("15  # voorbeeldwaarde", "0.0004"))],
        "weight = 0.0004",
        "criteria[4].weight: wordt bij het bewaren (3 decimalen) afgerond op 0; het moet ook "
        "dan groter dan 0 zijn (gevonden: 0.0004)",
    ),
    "weight-with-four-decimals": (
        [(G4_WEIGHT, G4_WEIGHT.replace("15  # voorbeeldwaarde", "15.0005"))],
        "weight = 15.0005",
        "criteria[4].weight: heeft 4 decimalen; er worden er hoogstens 3 bewaard, zodat de "
        "aanbesteding een ander getal zou gebruiken dan het bestand noemt (gevonden: 15.0005)",
    ),
    "weight-too-large": (
        [(G4_WEIGHT, G4_WEIGHT.replace("15  # voorbeeldwaarde", "100000"))],
        "weight = 100000",
        "criteria[4].weight: is te groot: hoogstens 99999.999 (gevonden: 100000)",
    ),
    "maximum-value-too-large": (
        [("maximum_value_eur = 38000000", "maximum_value_eur = 1000000000000")],
        "maximum_value_eur =",
        "lots[1].maximum_value_eur: is te groot: hoogstens 999999999999.99 "
        "(gevonden: 1000000000000)",
    ),
    "tariff-in-tenths-of-cents": (
        [("tariff_eur = 346.67", "tariff_eur = 346.675")],
        "tariff_eur = 346.675",
        "products[1].tariff_eur: heeft 3 decimalen; er worden er hoogstens 2 bewaard, zodat de "
        "aanbesteding een ander getal zou gebruiken dan het bestand noemt (gevonden: 346.675)",
    ),
    # A minimum total no bid can reach: totals run from 0 to 100 whatever the weights.
    "minimum-total-above-100-with-heavy-weights": (
        [
            ("minimum_total = 0", "minimum_total = 150"),
            (G4_WEIGHT, G4_WEIGHT.replace("15  # voorbeeldwaarde", "115")),
        ],
        "minimum_total",
        "tender.minimum_total: 150 is onhaalbaar: de totaalscore loopt van 0 tot en met 100, "
        "welke gewichten en schaal u ook kiest (een inschrijving met de hoogste score op elk "
        "criterium haalt 100)",
    ),
    "minimum-total-with-four-decimals": (
        [("minimum_total = 0", "minimum_total = 55.0001")],
        "minimum_total",
        "tender.minimum_total: heeft 4 decimalen; er worden er hoogstens 3 bewaard, zodat de "
        "aanbesteding een ander getal zou gebruiken dan het bestand noemt (gevonden: 55.0001)",
    ),
    # Dates whose arithmetic (term ends, standstill, extensions) cannot work.
    "start-in-the-year-9999": (
        [("start_date = 2022-07-01", "start_date = 9999-12-31")],
        "start_date",
        "contract.start_date: moet liggen tussen 01-01-2000 en 31-12-2099 (gevonden: 31-12-9999)",
    ),
    "start-in-the-last-century": (
        [("start_date = 2022-07-01", "start_date = 1999-12-31")],
        "start_date",
        "contract.start_date: moet liggen tussen 01-01-2000 en 31-12-2099 (gevonden: 31-12-1999)",
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_value_that_fails_later_is_refused_with_its_line(case: str) -> None:
    replacements, fragment, message = REFUSALS[case]
    text = edited(*replacements)
    assert refused(text) == [f"regel {line_of(text, fragment)}: {message}"]


def test_clause_template_path_longer_than_its_column_is_refused(tmp_path: Path) -> None:
    # The template exists, so only the length of its name (stored on the tender) is wrong.
    limit = length(Tender, "contract_clauses_source")
    name = f"clauses/{'d' * 100}/{'e' * (limit - len('clauses/') - 100 - 1 - 5 + 1)}.toml"
    assert len(name) == limit + 1
    template = tmp_path / name
    template.parent.mkdir(parents=True)
    template.write_text(
        (ROOT / "criteria" / "clauses" / "raamovereenkomst-wmo.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    text = edited(("notice_months = 3", f'notice_months = 3\nclauses = "{name}"'))
    with pytest.raises(CriteriaError) as info:
        load_criteria_text(text, clauses_dir=tmp_path)
    assert info.value.numbered() == [
        f"regel {line_of(text, 'clauses =')}: contract.clauses: is te lang: hoogstens {limit} "
        f"tekens (gevonden: {limit + 1})"
    ]
    shorter = edited(("notice_months = 3", 'notice_months = 3\nclauses = "clauses/kort.toml"'))
    template.rename(tmp_path / "clauses" / "kort.toml")
    assert load_criteria_text(shorter, clauses_dir=tmp_path).contract.clauses is not None


def test_ten_thousand_extensions_are_refused_without_computing_their_ends() -> None:
    # Before, the end date of every extension was computed for the message: past the
    # year 9999 that raised instead of refusing.
    text = edited(("extension_years = [1, 1]", f"extension_years = {[1] * 10_000}"))
    assert refused(text) == [
        f"regel {line_of(text, 'extension_years')}: contract.extension_years: 10000 "
        "verlengingen passen niet binnen de maximale looptijd van 4 jaar (Aanbestedingswet "
        "2012 art. 2.140): na een initiële looptijd van minstens 1 jaar zijn er hoogstens 3 "
        "mogelijk"
    ]


def test_a_missing_field_names_the_line_of_its_table() -> None:
    text = edited(('court = "Rechtbank Midden-Nederland"\n', ""))
    line = line_of(text, "[tender]\nreference")
    assert refused(text) == [f"regel {line}: tender.court: ontbreekt"]


# --- The legitimate edges stay valid ------------------------------------------------


def test_values_on_every_bound_are_accepted() -> None:
    text = edited(
        (TITLE, f'title = "{"x" * length(Tender, "title")}"'),
        ("standstill_days = 20", "standstill_days = 90"),
        ("minimum_total = 0", "minimum_total = 100"),
        (G4_WEIGHT, G4_WEIGHT.replace("15  # voorbeeldwaarde", "0.001")),
        (G4_WORDS, G4_WORDS.replace("750  # voorbeeldwaarde", "100000")),
        ("notice_months = 3", "notice_months = 24"),
        ("start_date = 2022-07-01", "start_date = 2099-12-31"),
        ("tariff_eur = 346.67", "tariff_eur = 9999999999.99"),
    )
    criteria_file = load_criteria_text(text)

    assert criteria_file.tender.title == "x" * length(Tender, "title")
    assert criteria_file.tender.standstill_days == 90
    assert criteria_file.tender.minimum_total == 100
    assert criteria_file.criteria[3].weight == Decimal("0.001")
    assert criteria_file.criteria[3].max_words == 100_000
    assert criteria_file.contract.start_date == date(2099, 12, 31)
    assert criteria_file.products[0].tariff_eur == Decimal("9999999999.99")


def test_weights_that_do_not_add_up_to_100_allow_a_minimum_total_up_to_100() -> None:
    # The old rule compared the minimum with the sum of the weights (here 6), which
    # refused a file that scoring (normalised to 0..100) handles well.
    weights = iter(["3", "1", "1", "0.5", "0.5"])
    text = TEXT.replace("minimum_total = 0", "minimum_total = 55")
    for old in ("25  # voorbeeldwaarde", "25  # voorbeeldwaarde", "20  # voorbeeldwaarde"):
        text = text.replace(f"weight = {old}", f"weight = {next(weights)}", 1)
    text = text.replace("weight = 15  # voorbeeldwaarde", f"weight = {next(weights)}", 1)
    text = text.replace("weight = 15  # voorbeeldwaarde", f"weight = {next(weights)}", 1)
    criteria_file = load_criteria_text(text)
    assert sum(c.weight for c in criteria_file.criteria) == 6
    assert criteria_file.tender.minimum_total == 55


def test_long_texts_may_span_lines_and_any_script() -> None:
    text = edited(
        (
            'text = "De inschrijver staat ingeschreven in het Handelsregister',
            'text = "De inschrijver\\nstaat ingeschreven in het Handelsregister',
        ),
        ('region = "Regio Lekstroom"', 'region = "Regio Lekstroom — ŁÓDŹ 東京 🚲"'),
    )
    criteria_file = load_criteria_text(text)
    assert criteria_file.requirements[0].text.startswith("De inschrijver\nstaat")
    assert criteria_file.tender.region == "Regio Lekstroom — ŁÓDŹ 東京 🚲"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_files_stay_valid(path: Path) -> None:
    load_criteria_text(path.read_text(encoding="utf-8"), clauses_dir=path.parent)


# --- Lines ----------------------------------------------------------------------------


def _paths(value: object, path: str = "") -> list[tuple[str, str]]:
    """(path, last key) of every key and array item in parsed TOML, as the loader names them."""
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else key
            found += [(inner, key), *_paths(item, inner)]
    elif isinstance(value, list):
        for index, item in enumerate(value, 1):
            found += [(f"{path}[{index}]", ""), *_paths(item, f"{path}[{index}]")]
    return found


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_field_of_the_example_files_has_its_line(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = field_lines(text)
    file_lines = text.splitlines()
    for name, key in _paths(tomllib.loads(text)):
        assert name in lines, name
        if key:  # the key itself, or the header of the table it opens
            assert key in file_lines[lines[name] - 1], (name, lines[name])


def test_lines_follow_quoted_keys_dotted_keys_and_multi_line_strings() -> None:
    text = (
        'a = """\none\n"""\n'  # 1-3
        "[t]\n"  # 4
        '"quoted key".x = 1\n'  # 5
        "list = [\n  1,\n  # comment\n  { k = 'v' },\n]\n"  # 6-10
        "[[r]]\n[[r]]\n"  # 11, 12
        "[r.sub]\nz = 'a # not a comment'\n"  # 13, 14
    )
    assert tomllib.loads(text)  # valid TOML
    lines = field_lines(text)
    assert lines["a"] == 1 and lines["t"] == 4
    assert lines["t.quoted key.x"] == 5
    assert (lines["t.list[1]"], lines["t.list[2]"], lines["t.list[2].k"]) == (7, 9, 9)
    assert (lines["r[1]"], lines["r[2]"], lines["r[2].sub"], lines["r[2].sub.z"]) == (
        11, 12, 13, 14,
    )  # fmt: skip


# --- Where the lines are shown ----------------------------------------------------------


def test_criteria_check_prints_the_line(app: Flask, tmp_path: Path) -> None:
    text = edited(("standstill_days = 20", "standstill_days = 100000"))
    path = tmp_path / "lang.toml"
    path.write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["criteria", "check", str(path)])
    assert result.exit_code == 1
    line = line_of(text, "standstill_days")
    assert f"  - regel {line}: tender.standstill_days: mag hoogstens 90 zijn" in result.output
    assert "Traceback" not in result.output


def test_upload_page_shows_the_line_and_creates_nothing(
    client: FlaskClient, session: Session, now: datetime
) -> None:
    login(client, make_user(session, Role.PROCUREMENT_OFFICER, now=now))
    session.commit()
    clock.set_clock(lambda: now)
    text = edited(('region = "Regio Lekstroom"', 'region = "Regio\\u0000Lekstroom"'))
    response = client.post(
        "/aanbestedingen/nieuw",
        data={"upload": (io.BytesIO(text.encode()), "nul.toml")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert f"regel {line_of(text, 'region =')}: tender.region: bevat een onzichtbaar" in html
    assert session.scalar(select(Tender)) is None


def test_a_start_that_has_passed_at_import_is_named_with_its_line(
    session: Session, now: datetime
) -> None:
    # "At import" the start of lekstroom-2022.toml (1 July 2022) has passed. The concept
    # is still made (the demo and the tests move its start); the tender page names the
    # field and its line among what stands in the way of publication.
    tender = make_tender(session, now=now)
    tenders.set_schedule(
        session,
        tender=tender,
        question_deadline=now + timedelta(days=10),
        submission_deadline=now + timedelta(days=20),
        planned_opening=now + timedelta(days=20, hours=2),
        tenderned_reference="TN-1",
        actor=None,
        now=now,
    )
    problems = tenders.publication_problems(tender, now)
    line = line_of(TEXT, "start_date")
    assert problems[-1] == (
        f"Pas contract.start_date aan in het criteriabestand (lekstroom-2022.toml, regel {line}) "
        "en vervang de configuratie."
    )
