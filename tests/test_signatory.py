"""The signatory of the award decisions: [signatory] in the criteria file, the tender page."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from factories import LEKSTROOM, login, make_published_tender, make_tender, make_user
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock
from tender.accounts.models import Role
from tender.audit import AuditEvent
from tender.criteria import CriteriaError, load_criteria_text
from tender.criteria.spec import Signatory
from tender.tenders import service as tenders
from tender.tenders.models import TenderState

# The example file has a [signatory]; without it, it is a file written before it existed.
SIGNED_TEXT = LEKSTROOM.read_text(encoding="utf-8")
TEXT = re.sub(r"(?ms)^\[signatory\]\n.*?(?=^\[)", "", SIGNED_TEXT)
# Inserted before [tender], so that it does not end up inside another table.
TABLE = '[signatory]\nname = "mr. J. de Vries"\nfunction = "wethouder Zorg"\n\n'


def with_signatory(table: str = TABLE) -> str:
    return TEXT.replace("[tender]\n", table + "[tender]\n", 1)


EXAMPLE = {
    "naam": "J. Jansen",
    "functie": "portefeuillehouder Wmo, namens de colleges van B&W van de Lekstroomgemeenten",
}


def refusal(text: str) -> list[str]:
    with pytest.raises(CriteriaError) as info:
        load_criteria_text(text)
    return info.value.errors


def test_signatory_is_optional() -> None:
    assert "[signatory]" not in TEXT and "J. Jansen" not in TEXT
    assert load_criteria_text(TEXT).signatory is None


def test_the_example_file_names_a_signatory() -> None:
    assert load_criteria_text(SIGNED_TEXT).signatory == Signatory(
        name="J. Jansen",
        function="portefeuillehouder Wmo, namens de colleges van B&W van de Lekstroomgemeenten",
    )


def test_signatory_is_read() -> None:
    spec = load_criteria_text(with_signatory())
    assert spec.signatory == Signatory(name="mr. J. de Vries", function="wethouder Zorg")


@pytest.mark.parametrize(
    ("table", "errors"),
    [
        ('[signatory]\nname = "A. Bos"\n\n', ["signatory.function: ontbreekt"]),
        (
            '[signatory]\nfunction = "wethouder"\nname = " "\n\n',
            ["signatory.name: mag niet leeg zijn"],
        ),
        (
            '[signatory]\nname = "A. Bos"\nfunction = "wethouder"\nfuncton = "x"\n\n',
            ['signatory.functon: onbekend veld (bedoelt u "function"?)'],
        ),
        (
            '[signatory]\nname = 3\nfunction = "wethouder"\n\n',
            [
                "signatory.name: moet tekst zijn (gevonden: geheel getal 3); "
                "zet de waarde tussen aanhalingstekens"
            ],
        ),
        ('signatory = "A. Bos"\n\n', ['signatory: moet een tabel zijn (gevonden: tekst "A. Bos")']),
    ],
)
def test_a_wrong_signatory_is_refused(table: str, errors: list[str]) -> None:
    assert refusal(with_signatory(table)) == errors


def test_the_example_file_has_no_unknown_signatory_fields() -> None:
    # Every criteria file in the repository stays valid.
    from tender import PROJECT_ROOT
    from tender.criteria import load_criteria

    for path in sorted((PROJECT_ROOT / "criteria").glob("*.toml")):
        load_criteria(path)


# --- On the tender --------------------------------------------------------------------


def test_create_copies_the_signatory_and_an_old_file_leaves_it_empty(
    session: Session, now: datetime
) -> None:
    plain = tenders.create_tender(
        session,
        spec=load_criteria_text(TEXT),
        source_text=TEXT,
        filename="oud.toml",
        actor=None,
        now=now,
    )
    assert (plain.signatory_name, plain.signatory_function) == ("", "")
    text = with_signatory().replace("LEK-WMO-IB-2022", "LEK-ONDERTEKEND", 1)
    signed = tenders.create_tender(
        session,
        spec=load_criteria_text(text),
        source_text=text,
        filename="n.toml",
        actor=None,
        now=now,
    )
    assert (signed.signatory_name, signed.signatory_function) == (
        "mr. J. de Vries",
        "wethouder Zorg",
    )


def test_set_signatory_is_audited_and_not_frozen(session: Session, now: datetime) -> None:
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    tender = make_published_tender(session, now=now)
    tenders.set_signatory(
        session, tender=tender, name=" A. Bos ", function="wethouder", actor=officer, now=now
    )
    tenders.set_signatory(
        session, tender=tender, name="C. Dam", function="burgemeester", actor=officer, now=now
    )
    session.commit()
    assert (tender.signatory_name, tender.signatory_function) == ("C. Dam", "burgemeester")
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tender.signatory").order_by(AuditEvent.id)
    ).all()
    assert [e.details for e in events] == [
        {"oud": EXAMPLE, "nieuw": {"naam": "A. Bos", "functie": "wethouder"}},
        {
            "oud": {"naam": "A. Bos", "functie": "wethouder"},
            "nieuw": {"naam": "C. Dam", "functie": "burgemeester"},
        },
    ]
    assert events[0].actor_id == officer.id
    # Saving the same values again writes nothing.
    tenders.set_signatory(
        session, tender=tender, name="C. Dam", function="burgemeester", actor=officer, now=now
    )
    assert (
        session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).id
        == events[-1].id
    )


def test_set_signatory_needs_both_fields(session: Session, now: datetime) -> None:
    tender = make_tender(session, now=now)
    with pytest.raises(tenders.TenderError) as info:
        tenders.set_signatory(session, tender=tender, name=" ", function="", actor=None, now=now)
    assert str(info.value) == (
        "Vul de naam van de ondertekenaar in. Vul de functie van de ondertekenaar in."
    )
    assert tender.signatory_name == "J. Jansen"


@pytest.mark.parametrize("state", [TenderState.AWARDED, TenderState.WITHDRAWN])
def test_signatory_is_fixed_after_the_award_or_withdrawal(
    session: Session, now: datetime, state: TenderState
) -> None:
    tender = make_published_tender(session, now=now)
    if state == TenderState.WITHDRAWN:
        tenders.withdraw(session, tender=tender, reason="geen budget", actor=None, now=now)
    else:
        tender.state = state  # the definitive award itself is tested elsewhere
    with pytest.raises(tenders.TenderError, match="kan niet meer worden gewijzigd"):
        tenders.set_signatory(
            session, tender=tender, name="A. Bos", function="wethouder", actor=None, now=now
        )


# --- The page ----------------------------------------------------------------------


@pytest.fixture
def officer_client(client: FlaskClient, session: Session, now: datetime) -> FlaskClient:
    login(client, make_user(session, Role.PROCUREMENT_OFFICER, now=now))
    session.commit()
    clock.set_clock(lambda: now)
    return client


def test_officer_sets_the_signatory_on_the_tender_page(
    officer_client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    session.commit()
    show = officer_client.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
    assert "Ondertekenaar gunningsbeslissingen" in show
    assert "J. Jansen, portefeuillehouder Wmo" in show  # from the example file
    assert f"/aanbestedingen/{tender.id}/ondertekenaar" in show

    url = f"/aanbestedingen/{tender.id}/ondertekenaar"
    page = officer_client.get(url).get_data(as_text=True)
    assert "Naam" in page and "Functie" in page
    refused = officer_client.post(url, data={"name": "mr. J. de Vries", "function": ""})
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "Dit veld is verplicht." in html and 'value="mr. J. de Vries"' in html

    done = officer_client.post(
        url, data={"name": "mr. J. de Vries", "function": "wethouder Zorg"}, follow_redirects=True
    )
    assert "De ondertekenaar van de gunningsbeslissingen is opgeslagen." in done.get_data(
        as_text=True
    )
    session.expire_all()
    assert (tender.signatory_name, tender.signatory_function) == (
        "mr. J. de Vries",
        "wethouder Zorg",
    )
    show = officer_client.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
    assert "mr. J. de Vries, wethouder Zorg" in show


def test_page_is_read_only_once_withdrawn(
    officer_client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    tenders.set_signatory(
        session, tender=tender, name="A. Bos", function="wethouder", actor=None, now=now
    )
    tenders.withdraw(session, tender=tender, reason="geen budget", actor=None, now=now)
    session.commit()
    url = f"/aanbestedingen/{tender.id}/ondertekenaar"
    page = officer_client.get(url).get_data(as_text=True)
    assert "kan niet meer worden gewijzigd" in page and 'name="function"' not in page
    posted = officer_client.post(url, data={"name": "X", "function": "Y"})
    assert posted.status_code == 200
    session.expire_all()
    assert tender.signatory_name == "A. Bos"
