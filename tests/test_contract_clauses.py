"""The framework contract's clauses come from a template a region can replace.

The default template ships in criteria/clauses/; a criteria file may name its own
(``[contract] clauses``). The template is validated with the criteria file (Dutch
messages naming the field, the article and the variable), frozen on the tender when
it is created and in the award decision's snapshot, and the contracts built from it
state every clause a Wmo raamovereenkomst needs, with the annexes: the provider's
lots, municipalities and target groups, the products with their tariffs, the
verwerkersovereenkomst and the bid by its digest. Read back from the PDFs.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import award_steps
import pytest
from factories import LEKSTROOM, ROOT, login, make_published_tender, make_tender, make_user
from flask import Flask
from pypdf import PdfReader
from regions import REGIONS
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps
from werkzeug.test import TestResponse

from tender import clock, demo
from tender.accounts.models import Role, User
from tender.award import documents as award_documents
from tender.criteria import CriteriaError, clauses, load_criteria, load_criteria_text
from tender.documents import framework_contract
from tender.documents.models import Document
from tender.documents.service import documents_dir, read_document
from tender.tenders import lifecycle, publication
from tender.tenders.models import Tender
from tender.timefmt import format_datetime_seconds, format_eur

DEFAULT_TEXT = (ROOT / "criteria" / clauses.DEFAULT_CLAUSES).read_text(encoding="utf-8")
LEKSTROOM_TEXT = LEKSTROOM.read_text(encoding="utf-8")
OWN_TITLE = "Eigen bepalingen van de regio"

# Every subject a Dutch Wmo raamovereenkomst must cover (issue 12), as the default
# template words it.
CLAUSE_SUBJECTS = (
    "Tarieven en indexatie",
    "jaarlijks per 1 januari geïndexeerd",
    "artikel 5.4 van het Uitvoeringsbesluit Wmo 2015",
    "reële prijs",
    "OVA",
    "artikel 3.1 van de Wmo 2015",
    "Verklaring Omtrent het Gedrag (VOG)",
    "meldcode huiselijk geweld en kindermishandeling",
    "artikel 3.4 van de Wmo 2015",
    "iWmo-berichtenverkeer over het GGK",
    "Controleprotocol",
    "productieverantwoording",
    "Algemene verordening gegevensbescherming (AVG)",
    "Verwerkersovereenkomst in Bijlage 3",
    "Aansprakelijkheid en verzekering",
    "bedrijfsaansprakelijkheidsverzekering met een dekking van ten minste € 2.500.000,00",
    "beroepsaansprakelijkheidsverzekering met een dekking van ten minste € 2.500.000,00",
    "Onderaanneming",
    "alleen geheel of gedeeltelijk uit aan een onderaannemer met voorafgaande schriftelijke "
    "toestemming",
    "Opzegging en ontbinding",
    "zonder rechterlijke tussenkomst",
    "artikel 73 van Richtlijn 2014/24/EU",
    "Op deze overeenkomst is Nederlands recht van toepassing",
    "Slotbepalingen",
    "Bijlage 3 – Verwerkersovereenkomst",
    "artikel 28 van de Algemene verordening gegevensbescherming",
    "artikel 32 van de AVG",
)


def pdf_text(content: bytes) -> str:
    """The text of every page, whitespace collapsed (paragraphs wrap anywhere)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def _own_template(marker: str = OWN_TITLE) -> str:
    """The default template with its name and one article's title changed."""
    text = DEFAULT_TEXT.replace('title = "Slotbepalingen"', f'title = "{marker}"', 1)
    return text.replace('name = "Modelraamovereenkomst', 'name = "Regiomodel', 1)


def _criteria_with_clauses(folder: Path, name: str, template: str | None) -> Path:
    """A copy of the Lekstroom file in ``folder`` naming clause template ``name``."""
    folder.mkdir(parents=True, exist_ok=True)
    if template is not None:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(template, encoding="utf-8")
    path = folder / "regio.toml"
    path.write_text(
        LEKSTROOM_TEXT.replace("notice_months = 3", f'notice_months = 3\nclauses = "{name}"', 1),
        encoding="utf-8",
    )
    return path


def _refusal(path: Path) -> list[str]:
    with pytest.raises(CriteriaError) as caught:
        load_criteria(path)
    return caught.value.errors


# --- Loading and validating ------------------------------------------------------------


@pytest.mark.parametrize("path", REGIONS)
def test_a_file_without_clauses_stays_valid_and_gets_the_default(path: Path) -> None:
    spec = load_criteria(path)
    assert spec.contract.clauses is not None
    assert spec.contract.clauses.source == clauses.DEFAULT_CLAUSES
    assert spec.contract.clauses.text == DEFAULT_TEXT
    assert len(spec.contract.clauses.template.articles) >= 15


def test_a_criteria_file_may_name_its_own_template(tmp_path: Path) -> None:
    path = _criteria_with_clauses(tmp_path, "clauses/eigen.toml", _own_template())
    found = load_criteria(path).contract.clauses
    assert found is not None
    assert found.source == "clauses/eigen.toml"
    assert found.template.name.startswith("Regiomodel")
    assert found.template.articles[-1].title == OWN_TITLE
    assert found.sha256 == clauses.sha256_of(_own_template())


def test_an_uploaded_file_finds_its_template_in_the_criteria_folder(tmp_path: Path) -> None:
    (tmp_path / "eigen.toml").write_text(_own_template(), encoding="utf-8")
    text = LEKSTROOM_TEXT.replace("notice_months = 3", 'notice_months = 3\nclauses = "eigen.toml"')
    spec = load_criteria_text(text, source="upload.toml", clauses_dir=tmp_path)
    assert spec.contract.clauses is not None and spec.contract.clauses.source == "eigen.toml"
    # Without a folder the project's criteria/ is searched, where it is not.
    with pytest.raises(CriteriaError) as caught:
        load_criteria_text(text, source="upload.toml")
    assert caught.value.errors == ["contract.clauses: eigen.toml: bestand niet gevonden"]


BROKEN = {
    "missing file": ("weg.toml", None, ["contract.clauses: weg.toml: bestand niet gevonden"]),
    "TOML syntax": (
        "eigen.toml",
        DEFAULT_TEXT.replace('title = "Onderwerp en reikwijdte"', 'title = "Onderwerp', 1),
        ["contract.clauses: eigen.toml: ongeldige TOML op regel"],
    ),
    "Jinja syntax": (
        "eigen.toml",
        DEFAULT_TEXT.replace("{{ court }}", "{{ court ", 1),
        [
            'contract.clauses: eigen.toml: article[15] ("Toepasselijk recht en geschillen").text: '
            "Jinja-fout op regel 3 van de tekst"
        ],
    ),
    "unknown variable": (
        "eigen.toml",
        DEFAULT_TEXT.replace("{{ vog_max_age_months }}", "{{ vog_maanden }}", 1),
        [
            'contract.clauses: eigen.toml: article[8] ("Kwaliteit").text: onbekende variabele '
            '"vog_maanden"'
        ],
    ),
    "unknown property": (
        "eigen.toml",
        DEFAULT_TEXT.replace("{{ provider }} als verwerker", "{{ provider.naam }} als", 1),
        [
            'contract.clauses: eigen.toml: processing_article[1] ("Onderwerp en rollen").text: '
            "onbekende variabele of eigenschap"
        ],
    ),
    "missing title": (
        "eigen.toml",
        DEFAULT_TEXT.replace('title = "Waarde"\n', "", 1),
        ["contract.clauses: eigen.toml: article[5].title: ontbreekt"],
    ),
    "typo in a key": (
        "eigen.toml",
        DEFAULT_TEXT.replace('table = "values"', 'tabel = "values"', 1),
        ['contract.clauses: eigen.toml: article[5].tabel: onbekend veld (bedoelt u "table"?)'],
    ),
    "unknown table": (
        "eigen.toml",
        DEFAULT_TEXT.replace('table = "values"', 'table = "waarde"', 1),
        ['contract.clauses: eigen.toml: article[5].table: onbekende waarde "waarde"'],
    ),
    "variable shadowing a built-in": (
        "eigen.toml",
        DEFAULT_TEXT.replace("[variables]\n", '[variables]\ncourt = "Rechtbank X"\n', 1),
        ["contract.clauses: eigen.toml: variables.court: deze naam is al een variabele"],
    ),
    "unsafe attribute": (
        "eigen.toml",
        DEFAULT_TEXT.replace("{{ court }}", "{{ court.__class__.__mro__ }}", 1),
        ["contract.clauses: eigen.toml: article[15]", "niet toegestaan in een sjabloon"],
    ),
    "path traversal": ("../geheim.toml", None, ['contract.clauses: "../geheim.toml" is geen']),
    "absolute path": ("/etc/passwd.toml", None, ['contract.clauses: "/etc/passwd.toml" is geen']),
    "not a TOML file": ("eigen.txt", "", ['contract.clauses: "eigen.txt": een clausule']),
    "empty name": ("", None, ["contract.clauses: mag niet leeg zijn"]),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_template_is_refused_naming_the_field_article_and_variable(
    tmp_path: Path, case: str
) -> None:
    name, template, expected = BROKEN[case]
    errors = _refusal(_criteria_with_clauses(tmp_path / "regio", name, template))
    assert len(errors) == 1, errors
    for fragment in expected:
        assert fragment in errors[0], errors


def test_a_template_outside_the_folder_through_a_link_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elders.toml"
    outside.write_text(DEFAULT_TEXT, encoding="utf-8")
    folder = tmp_path / "regio"
    folder.mkdir()
    (folder / "link.toml").symlink_to(outside)
    path = _criteria_with_clauses(folder, "link.toml", None)
    assert _refusal(path) == [
        'contract.clauses: "link.toml" ligt buiten de map van het criteriabestand'
    ]


def test_the_criteria_check_reports_a_broken_template(app: Flask, tmp_path: Path) -> None:
    broken = DEFAULT_TEXT.replace("{{ vog_max_age_months }}", "{{ vog_maanden }}", 1)
    path = _criteria_with_clauses(tmp_path, "eigen.toml", broken)
    result = app.test_cli_runner().invoke(args=["criteria", "check", str(path)])
    assert result.exit_code == 1
    assert 'contract.clauses: eigen.toml: article[8] ("Kwaliteit").text: onbekende variabele' in (
        result.output
    )
    good = _criteria_with_clauses(tmp_path, "eigen.toml", _own_template())
    result = app.test_cli_runner().invoke(args=["criteria", "check", str(good)])
    assert result.exit_code == 0, result.output
    assert "Clausules raamovereenkomst: eigen.toml (Regiomodel" in result.output


def test_texts_become_numbered_paragraphs_lists_and_bold() -> None:
    blocks = clauses.blocks_of(
        "Eerste\nregel.\n\nTweede <lid>:\n- **Een**: x\n  vervolg\n- Twee\n\na. A\nb. B\n"
    )
    assert [b.text for b in blocks] == ["Eerste regel.", "Tweede &lt;lid&gt;:"]
    assert [(i.label, i.text) for i in blocks[1].items] == [
        ("•", "<b>Een</b>: x vervolg"),
        ("•", "Twee"),
        ("a.", "A"),
        ("b.", "B"),
    ]


# --- Frozen with the tender ------------------------------------------------------------


def test_the_template_is_frozen_when_the_tender_is_created(
    app: Flask, session: Session, now: datetime, tmp_path: Path
) -> None:
    path = _criteria_with_clauses(tmp_path, "clauses/eigen.toml", _own_template())
    tender = make_published_tender(
        session, now=now, path=path, storage_dir=documents_dir(app.instance_path)
    )
    session.commit()
    assert tender.contract_clauses_source == "clauses/eigen.toml"
    assert tender.contract_clauses_text == _own_template()
    assert tender.contract_clauses_sha256 == clauses.sha256_of(_own_template())

    # Editing the file afterwards changes neither the tender nor its contract.
    (tmp_path / "clauses" / "eigen.toml").write_text(
        _own_template("Later gewijzigde bepalingen"), encoding="utf-8"
    )
    text = pdf_text(
        framework_contract.build_framework_contract(publication.concept_contract_data(tender))
    )
    assert f"Artikel 16 – {OWN_TITLE}" in text
    assert "Later gewijzigde bepalingen" not in text
    assert "Regiomodel" in text
    stored = session.scalars(
        select(Document).where(Document.tender_id == tender.id, Document.kind == "concept_contract")
    ).one()
    published = pdf_text(read_document(stored, storage_dir=documents_dir(app.instance_path)))
    assert f"Artikel 16 – {OWN_TITLE}" in published

    # After publication no code can change it.
    tender.contract_clauses_text = DEFAULT_TEXT
    with pytest.raises(lifecycle.ConfigurationFrozen):
        session.flush()
    session.rollback()


def test_a_tender_from_before_templates_follows_the_default(
    session: Session, now: datetime
) -> None:
    tender = make_tender(session, now=now)
    assert tender.contract_clauses_text == DEFAULT_TEXT
    tender.contract_clauses_source = tender.contract_clauses_text = None
    tender.contract_clauses_sha256 = None
    session.flush()
    frozen = clauses.frozen_source(tender.contract_clauses_source, tender.contract_clauses_text)
    assert frozen.text == DEFAULT_TEXT and frozen.source == clauses.DEFAULT_CLAUSES
    text = pdf_text(
        framework_contract.build_framework_contract(publication.concept_contract_data(tender))
    )
    assert "Modelraamovereenkomst Wmo-begeleiding (standaard van dit project)" in text


# --- The contracts, on every region ----------------------------------------------------


@pytest.fixture
def decided(app: Flask, session: Session, now: datetime, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    path: Path = request.param
    result = demo.build(
        session, criteria_path=path, bids=6, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    session.commit()
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    decide_all_gaps(session, result.tender, officer, now)
    decision = award_steps.decide(session, result.tender, preparer=officer, now=now)
    session.commit()
    return result.tender, decision


def _assert_every_clause(text: str, court: str) -> None:
    missing = [subject for subject in CLAUSE_SUBJECTS if subject not in text]
    assert not missing, missing
    assert f"bevoegde rechter van de {court}" in text


@pytest.mark.parametrize("decided", REGIONS, indirect=True)
def test_the_final_contract_states_every_clause_and_annex(app: Flask, decided) -> None:  # type: ignore[no-untyped-def]
    tender, decision = decided
    snapshot = decision.snapshot
    frozen = snapshot["tender"]["contract_clauses"]
    assert frozen["text"] == tender.contract_clauses_text
    assert frozen["sha256"] == tender.contract_clauses_sha256
    assert set(frozen["subcontractors"]) == {str(b["bid_id"]) for b in snapshot["bids"]}
    awarded = [b for b in snapshot["bids"] if b["awarded_lots"]]
    assert awarded
    entry = awarded[0]
    text = pdf_text(award_documents.contract_pdf(snapshot, entry))

    _assert_every_clause(text, tender.court)
    assert "Concept" not in text and "[naam aanbieder]" not in text
    assert entry["organisation"]["name"] in text
    # Bijlage 1: only the awarded lots, with the municipalities and target groups served.
    assert "Bijlage 1 – Percelen, gemeenten en doelgroepen" in text
    lots = {lot["code"]: lot for lot in snapshot["tender"]["lots"]}
    municipalities = dict(snapshot["tender"]["municipalities"])
    groups = dict(snapshot["tender"]["target_groups"])
    for code, lot in lots.items():
        heading = f"Perceel {code} – {lot['name']}"
        assert (heading in text) == (code in entry["awarded_lots"]), heading
    for code in entry["awarded_lots"]:
        for municipality, group in entry["served"].get(code, []):
            assert municipalities[municipality] in text
            assert groups[group] in text
    # Bijlage 2: every product with its tariff in Dutch notation.
    assert "Bijlage 2 – Producten en tarieven" in text
    for product in snapshot["tender"]["products"]:
        assert product["code"] in text
        assert format_eur(Decimal(product["tariff_eur"])) in text
    if snapshot["tender"]["products"]:
        assert re.search(r"€ \d{1,3}(\.\d{3})*,\d{2}", text)
    # Bijlage 3 and 4: the verwerkersovereenkomst and the bid by reference.
    assert f"{entry['organisation']['name']} als verwerker" in text
    assert "Bijlage 4 – Inschrijving van de Opdrachtnemer (bij verwijzing)" in text
    assert f"Kenmerk inschrijving {entry['blind_code']}" in text
    assert entry["digest"] in text.replace(" ", "")
    received = datetime.fromisoformat(entry["received_at"])
    assert format_datetime_seconds(received) in text
    for criterion in snapshot["tender"]["criteria"]:
        assert f"{criterion['code']} – {criterion['title']}" in text


@pytest.mark.parametrize("decided", REGIONS, indirect=True)
def test_the_concept_contract_states_every_clause_with_placeholders(
    app: Flask, session: Session, decided
) -> None:  # type: ignore[no-untyped-def]
    tender, _decision = decided
    stored = session.scalars(
        select(Document).where(Document.tender_id == tender.id, Document.kind == "concept_contract")
    ).one()
    text = pdf_text(read_document(stored, storage_dir=documents_dir(app.instance_path)))
    _assert_every_clause(text, tender.court)
    assert "Concept-raamovereenkomst" in text
    assert "[naam aanbieder] als verwerker" in text
    assert "[onderaannemers uit de inschrijving]" in text
    for lot in tender.lots:
        assert f"Perceel {lot.code} – {lot.name}" in text
    for product in tender.products:
        assert format_eur(product.tariff_eur) in text
    assert "Kenmerk inschrijving [in te vullen bij gunning]" in text
    assert "SHA-256 van de ingediende versie [in te vullen bij gunning]" in text
    for criterion in tender.criteria:
        assert f"{criterion.code} – {criterion.title}" in text


def test_the_snapshot_names_the_bids_subcontractors_in_the_contract(
    session: Session, now: datetime
) -> None:
    class Named:
        def __init__(self, name: str, kvk_number: str, activities: str) -> None:
            self.name, self.kvk_number, self.activities = name, kvk_number, activities

    entry = clauses.snapshot_entry(
        source=None,
        text=DEFAULT_TEXT,
        subcontractors={7: [Named("Dagbesteding De Linde", "11223344", "Dagbesteding")], 8: []},
    )
    assert entry["subcontractors"] == {
        "7": [["Dagbesteding De Linde", "11223344", "Dagbesteding"]],
        "8": [],
    }
    tender = make_tender(session, now=now)
    data = publication.concept_contract_data(tender)
    provider = framework_contract.ContractProvider("Zorg B.V.", "12345678", ("Straat 1",))
    named = (
        framework_contract.ContractSubcontractor(
            "Dagbesteding De Linde", "11223344", "Dagbesteding"
        ),
    )
    text = pdf_text(
        framework_contract.build_framework_contract(
            replace(data, provider=provider, subcontractors=named)
        )
    )
    assert "Dagbesteding De Linde (KvK-nummer 11223344): Dagbesteding" in text


def test_a_snapshot_from_before_templates_gets_the_default(
    session: Session, decided_lekstroom
) -> None:  # type: ignore[no-untyped-def]
    _tender, decision = decided_lekstroom
    snapshot = {**decision.snapshot, "tender": dict(decision.snapshot["tender"])}
    del snapshot["tender"]["contract_clauses"]
    entry = next(b for b in snapshot["bids"] if b["awarded_lots"])
    data = award_documents.contract_data(snapshot, entry)
    assert data.clauses == clauses.default_source().template
    assert data.subcontractors == ()


@pytest.fixture
def decided_lekstroom(app: Flask, session: Session, now: datetime):  # type: ignore[no-untyped-def]
    result = demo.build(
        session, criteria_path=LEKSTROOM, bids=4, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    session.commit()
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    decide_all_gaps(session, result.tender, officer, now)
    decision = award_steps.decide(session, result.tender, preparer=officer, now=now)
    session.commit()
    assert isinstance(result.tender, Tender)
    return result.tender, decision


def test_an_upload_on_the_web_finds_its_template_in_the_criteria_folder(
    app: Flask, session: Session, now: datetime, tmp_path: Path
) -> None:
    (tmp_path / "clauses").mkdir()
    (tmp_path / "clauses" / "eigen.toml").write_text(_own_template(), encoding="utf-8")
    app.config["CRITERIA_DIR"] = str(tmp_path)
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    session.commit()
    clock.set_clock(lambda: now)
    client = app.test_client()
    login(client, officer)

    def upload(name: str) -> TestResponse:
        text = LEKSTROOM_TEXT.replace("notice_months = 3", f'notice_months = 3\nclauses = "{name}"')
        return client.post(
            "/aanbestedingen/nieuw",
            data={"upload": (io.BytesIO(text.encode()), "upload.toml")},
            content_type="multipart/form-data",
        )

    refused = upload("../clauses/eigen.toml").get_data(as_text=True)
    assert "contract.clauses: &#34;../clauses/eigen.toml&#34; is geen toegestane" in refused
    assert session.scalar(select(Tender)) is None
    assert upload("clauses/eigen.toml").status_code == 302
    tender = session.scalar(select(Tender))
    assert tender is not None and tender.contract_clauses_text == _own_template()
