"""Identity detection (tender/evaluation/identity.py): every variant that names a bidder
is found, case- and accent-insensitively, with its position; plain text is left alone."""

from __future__ import annotations

import pytest

from tender.evaluation.identity import (
    PLACEHOLDER,
    Identity,
    IdentityMatcher,
    identity_of,
    name_core,
)

BIDDER = Identity(
    names=("Stichting Zorg aan de Lek B.V.",),
    kvk_numbers=("12345678",),
    websites=("https://www.zorg-aan-de-lek.nl",),
    emails=("info@zorgaandelek.nl",),
    contact_persons=("Anna de Vries",),
    street_addresses=("Lekweg 12a",),
    postcodes=("3431 AB",),
    phones=("030-1234567",),
)

VARIANTS = [
    (
        "name as registered",
        "Wij, Stichting Zorg aan de Lek B.V., bieden",
        "Stichting Zorg aan de Lek B.V.",
    ),
    ("name in capitals", "ZORG AAN DE LEK werkt wijkgericht", "ZORG AAN DE LEK"),
    ("name without legal form", "bij Zorg aan de Lek werken wij", "Zorg aan de Lek"),
    ("legal form after the core", "Zorg aan de Lek BV levert", "Zorg aan de Lek BV"),
    ("possessive", "Zorg aan de Lek's aanpak", "Zorg aan de Lek's"),
    ("possessive, typographic", "Zorg aan de Lek’s aanpak", "Zorg aan de Lek’s"),
    ("hyphenated", "zie zorg-aan-de-lek voor meer", "zorg-aan-de-lek"),
    ("web domain hyphenated", "kijk op zorg-aan-de-lek.nl/over", "zorg-aan-de-lek.nl"),
    ("web domain run together", "kijk op www.zorgaandelek.nl", "www.zorgaandelek.nl"),
    ("e-mail domain run together", "mail info@zorgaandelek.nl", "info@zorgaandelek.nl"),
    ("other mailbox, same domain", "mail j.jansen@zorgaandelek.nl nu", "zorgaandelek.nl"),
    ("accents", "Zórg áán de Lëk helpt", "Zórg áán de Lëk"),
    ("KvK number", "KvK 12345678.", "12345678"),
    ("KvK number with spaces", "KvK: 1234 5678", "1234 5678"),
    ("KvK number with dots", "KvK 12.34.56.78", "12.34.56.78"),
    ("contact person", "contact: Anna de Vries", "Anna de Vries"),
    ("contact person with initial", "contact: A. de Vries", "A. de Vries"),
    ("contact person in capitals", "ANNA DE VRIES", "ANNA DE VRIES"),
    ("street address", "bezoek Lekweg 12a in", "Lekweg 12a"),
    ("street address, suffix in capitals", "LEKWEG 12-A", "LEKWEG 12-A"),
    ("postcode with space", "3431 AB Nieuwegein", "3431 AB"),
    ("postcode without space", "3431ab Nieuwegein", "3431ab"),
    ("phone as registered", "bel 030-1234567", "030-1234567"),
    ("phone with spaces", "bel 030 123 45 67", "030 123 45 67"),
    ("phone with area code in brackets", "bel (030) 1234567", "(030) 1234567"),
    ("phone international", "bel +31 30 1234567", "+31 30 1234567"),
    ("phone international with (0)", "bel +31 (0)30 123 4567", "+31 (0)30 123 4567"),
    ("phone with 0031", "bel 0031 30 1234567", "0031 30 1234567"),
]


@pytest.mark.parametrize(("variant", "text", "expected"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_variant_is_found_with_its_position(variant: str, text: str, expected: str) -> None:
    matches = IdentityMatcher(BIDDER).find(text)
    assert [m.text for m in matches] == [expected], variant
    match = matches[0]
    assert text[match.start : match.end] == expected


@pytest.mark.parametrize(("variant", "text", "expected"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_variant_is_redacted(variant: str, text: str, expected: str) -> None:
    redacted = IdentityMatcher(BIDDER).redact(text)
    assert expected not in redacted
    assert PLACEHOLDER in redacted
    assert IdentityMatcher(BIDDER).find(redacted) == []


@pytest.mark.parametrize(
    "text",
    [
        "Wij werken samen met de wijkteams in Nieuwegein en Houten.",
        "De zorg aan de cliënt staat centraal; de Lek stroomt langs IJsselstein.",
        "Kosten: 123456789 euro; 1234567 cliënten; bel 030-7654321.",
        "Lekweg 14 is een ander adres; postcode 3432 AB ook.",
        "Anna Jansen en B. de Vries zijn andere mensen.",
    ],
)
def test_text_that_does_not_name_the_bidder_is_left_alone(text: str) -> None:
    matcher = IdentityMatcher(BIDDER)
    assert matcher.find(text) == []
    assert matcher.redact(text) == text


def test_several_matches_keep_their_order_and_context() -> None:
    text = "Over ons: Zorg aan de Lek (KvK 12345678), Lekweg 12a, 3431 AB Nieuwegein."
    matches = IdentityMatcher(BIDDER).find(text)
    assert [m.kind for m in matches] == ["naam", "KvK-nummer", "adres", "postcode"]
    before, found, after = matches[1].context(text, width=10)
    assert (before, found, after) == ("… Lek (KvK ", "12345678", "), Lekweg …")
    assert IdentityMatcher(BIDDER).redact(text) == (
        f"Over ons: {PLACEHOLDER} (KvK {PLACEHOLDER}), {PLACEHOLDER}, {PLACEHOLDER} Nieuwegein."
    )


def test_name_core_drops_the_legal_form() -> None:
    assert name_core("Stichting Zorg aan de Lek B.V.") == "zorg aan de lek"
    assert name_core("Thuiszorg Noord N.V. (demo)") == "thuiszorg noord"


def test_public_mail_domains_are_not_identities() -> None:
    matcher = IdentityMatcher(Identity(emails=("zorg.lek@gmail.com",)))
    assert matcher.find("schrijf naar iemand@gmail.com") == []
    assert [m.text for m in matcher.find("schrijf naar zorg.lek@gmail.com")] == [
        "zorg.lek@gmail.com"
    ]
    example = IdentityMatcher(Identity(emails=("aanbieder1@demo.example",)))
    assert example.find("DEMO-plan: een demo van de werkwijze.") == []


def test_identity_of_collects_submitted_and_registered_details() -> None:
    class Record:
        def __init__(self, **fields: str) -> None:
            self.__dict__.update(fields)

    identity = identity_of(
        [Record(name="Oud B.V.", website="oud.nl"), Record(name="Nieuw B.V.", website="")]
    )
    assert identity.names == ("Oud B.V.", "Nieuw B.V.")
    assert identity.websites == ("oud.nl",)
