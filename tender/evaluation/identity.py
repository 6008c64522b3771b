"""Who a bidder is, found in a text: the one place that recognises a bidder's identity.

Blind scoring (DOMAIN.md section 3) hides the organisation behind a code, so every
text an evaluator reads (plan texts, attachment texts) is searched for what names
the bidder: its name (also without the legal form, possessive, hyphenated or run
together as in a web or e-mail domain), KvK number, website and e-mail domains,
e-mail addresses, contact person, street address, postcode and phone number.

Matching is case- and accent-insensitive: the text is folded (Unicode NFKD, marks
dropped, casefolded) while remembering where each folded character came from, so a
match is reported with its position in the original text. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

PLACEHOLDER = "[naam inschrijver]"

NAME = "naam"
KVK = "KvK-nummer"
DOMAIN = "web- of e-maildomein"
EMAIL = "e-mailadres"
CONTACT = "contactpersoon"
ADDRESS = "adres"
POSTCODE = "postcode"
PHONE = "telefoonnummer"

# Legal forms that may precede or follow a name; the name's core is what is left.
LEGAL_FORM = (
    r"(?:b\.?\s?v\.?|n\.?\s?v\.?|v\.?\s?o\.?\s?f\.?|u\.?\s?a\.?|c\.?\s?v\.?|stichting"
    r"|vereniging|cooperatie|holding|\(demo\))"
)
_LEGAL_FORM_WORDS = re.compile(rf"(?<![a-z0-9]){LEGAL_FORM}(?![a-z0-9])")
# Mail providers whose domain says nothing about who the sender is.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "hotmail.com",
        "hotmail.nl",
        "outlook.com",
        "outlook.nl",
        "live.nl",
        "live.com",
        "yahoo.com",
        "kpnmail.nl",
        "ziggo.nl",
        "xs4all.nl",
        "planet.nl",
        "icloud.com",
    }
)
# Domains reserved for examples and tests (RFC 2606): shared, so naming no one.
_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost"})


def _shared_mail_domain(host: str) -> bool:
    """Whether an e-mail domain is shared by many senders (a mail provider, an example)."""
    labels = host.split(".")
    return (
        host in PUBLIC_MAIL_DOMAINS or labels[-1] in _RESERVED_TLDS or labels[-2:-1] == ["example"]
    )


# Between the words of a name: a space, hyphen, dot or underscore, or nothing at all
# ("zorg aan de lek", "zorg-aan-de-lek", "zorgaandelek").
_JOIN = r"[\s\-_.]*"
_BEFORE = r"(?<![a-z0-9])"
_AFTER = r"(?![a-z0-9])"
_POSSESSIVE = r"(?:['’`]s(?![a-z0-9]))?"
_MIN_CORE = 4  # a shorter core ("Zo") would match everywhere


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` case- and accent-folded, with for each folded character its index in ``text``."""
    folded: list[str] = []
    origin: list[int] = []
    for index, character in enumerate(text):
        for part in unicodedata.normalize("NFKD", character):
            if unicodedata.combining(part):
                continue
            for piece in part.casefold():
                folded.append(piece)
                origin.append(index)
    return "".join(folded), origin


def _folded(text: str) -> str:
    return fold(text)[0]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", _folded(text))


def _joined(words: Sequence[str]) -> str:
    return _JOIN.join(re.escape(word) for word in words)


def name_core(name: str) -> str:
    """The name without its legal form ("Stichting Zorg aan de Lek B.V." -> "zorg aan de lek")."""
    return " ".join(_words(_LEGAL_FORM_WORDS.sub(" ", _folded(name))))


def _host(address: str) -> str:
    """The host of a website or the domain of an e-mail address, without "www."."""
    address = _folded(address.strip())
    if "@" in address and "//" not in address:
        return address.rsplit("@", 1)[1].strip(" .")
    host = urlparse(address if "//" in address else f"//{address}").hostname or ""
    return host.removeprefix("www.")


def _domain_pattern(host: str) -> str | None:
    """A domain with or without hyphens and dots inside its name ("zorg-aan-de-lek.nl")."""
    labels = host.split(".")
    if len(labels) < 2:
        return None
    words = [w for label in labels[:-1] for w in re.findall(r"[a-z0-9]+", label)]
    if len("".join(words)) < _MIN_CORE:
        return None
    return rf"(?:www\.)?{_joined(words)}(?:\.{re.escape(labels[-1])})?"


def _digits_pattern(digits: str) -> str:
    """Digits with optional spaces, dots, hyphens or brackets between them."""
    return r"[\s.\-()/]*".join(digits)


def _phone_pattern(phone: str) -> str | None:
    """A Dutch number in the usual notations: 030-1234567, (030) 123 45 67, +31 (0)30 123..."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0031"):
        digits = digits[4:]
    elif digits.startswith("31") and phone.strip().startswith("+"):
        digits = digits[2:]
    digits = digits.removeprefix("0")
    if len(digits) < 8:
        return None
    prefix = r"(?:(?:\+|00)\s*31\s*(?:\(\s*0\s*\)\s*)?|\(\s*0|0)"
    return rf"(?<![0-9+]){prefix}[\s.\-()/]*{_digits_pattern(digits)}(?![0-9])"


def _person_patterns(person: str) -> list[str]:
    """The full name and the initial with the surname ("Anna de Vries", "A. de Vries")."""
    words = _words(person)
    if len(words) < 2 or len("".join(words)) < _MIN_CORE:
        return []
    full = r"[\s\-.]+".join(re.escape(w) for w in words)
    surname = "".join(words[1:])
    if len(surname) < _MIN_CORE or not re.search(r"[a-z]", surname):
        return [full]  # "C. 7" would match far too much
    initial = rf"{re.escape(words[0][0])}\.?\s*" + r"[\s\-.]+".join(re.escape(w) for w in words[1:])
    return [full, initial]


def _address_pattern(street_address: str) -> str | None:
    """Street and house number ("Lekweg 12", "lekweg 12a", "Lekweg 12-A")."""
    found = re.fullmatch(r"(.*?[a-z])\.?\s*(\d+)\s*[-\s]?\s*([a-z]{0,2})", _folded(street_address))
    if found is None:
        return None
    street = _words(found.group(1))
    if not street:
        return None
    suffix = rf"(?:[\s-]*{re.escape(found.group(3))})?" if found.group(3) else ""
    return rf"{_joined(street)}\.?\s*{found.group(2)}(?![0-9]){suffix}"


def _postcode_pattern(postcode: str) -> str | None:
    found = re.fullmatch(r"(\d{4})\s*([a-z]{2})", _folded(postcode.strip()))
    if found is None:
        return None
    return rf"{found.group(1)}\s*{found.group(2)}"


@dataclass(frozen=True)
class Identity:
    """What names one bidder: as submitted and as registered (both are searched)."""

    names: tuple[str, ...] = ()
    kvk_numbers: tuple[str, ...] = ()
    websites: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    contact_persons: tuple[str, ...] = ()
    street_addresses: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """One place in a text that names the bidder: ``text[start:end]``, of a kind."""

    start: int
    end: int
    text: str
    kind: str

    def context(self, source: str, width: int = 40) -> tuple[str, str, str]:
        """The words around the match: (before, match, after), at most ``width`` each."""
        before = source[max(0, self.start - width) : self.start]
        after = source[self.end : self.end + width]
        return (
            ("…" if self.start > width else "") + before,
            self.text,
            after + ("…" if self.end + width < len(source) else ""),
        )


class IdentityMatcher:
    """Finds the places in a text that name one bidder."""

    def __init__(self, identity: Identity) -> None:
        patterns: list[tuple[str, str]] = []
        for name in identity.names:
            core = name_core(name)
            if len(core.replace(" ", "")) < _MIN_CORE:
                continue
            words = core.split()
            legal = rf"(?:{LEGAL_FORM}[\s,]*)?"
            trailing = rf"(?:[\s,]*{LEGAL_FORM})?"
            patterns.append((NAME, rf"{legal}{_joined(words)}{trailing}{_POSSESSIVE}"))
        for number in identity.kvk_numbers:
            digits = re.sub(r"\D", "", number)
            if len(digits) == 8:
                patterns.append((KVK, rf"(?<![0-9]){_digits_pattern(digits)}(?![0-9])"))
        hosts = [_host(w) for w in identity.websites if w.strip()]
        hosts += [
            host for e in identity.emails if (host := _host(e)) and not _shared_mail_domain(host)
        ]
        for email in identity.emails:
            if "@" in email:
                patterns.append((EMAIL, re.escape(_folded(email.strip()))))
        for host in hosts:
            if pattern := _domain_pattern(host):
                patterns.append((DOMAIN, pattern))
        for person in identity.contact_persons:
            patterns += [(CONTACT, p) for p in _person_patterns(person)]
        for address in identity.street_addresses:
            if pattern := _address_pattern(address):
                patterns.append((ADDRESS, pattern))
        for postcode in identity.postcodes:
            if pattern := _postcode_pattern(postcode):
                patterns.append((POSTCODE, pattern))
        for phone in identity.phones:
            if pattern := _phone_pattern(phone):
                patterns.append((PHONE, pattern))
        self._patterns = [
            (kind, re.compile(pattern if kind == PHONE else f"{_BEFORE}{pattern}{_AFTER}"))
            for kind, pattern in dict.fromkeys(patterns)
        ]

    def find(self, text: str) -> list[Match]:
        """Every place that names the bidder, in order; overlapping finds are merged."""
        folded, origin = fold(text)
        spans: list[tuple[int, int, str]] = []
        for kind, pattern in self._patterns:
            for found in pattern.finditer(folded):
                if found.end() > found.start():
                    spans.append((found.start(), found.end(), kind))
        spans.sort(key=lambda span: (span[0], -span[1]))
        merged: list[tuple[int, int, str]] = []
        for start, end, kind in spans:
            if merged and start < merged[-1][1]:
                last = merged[-1]
                merged[-1] = (last[0], max(last[1], end), last[2])
            else:
                merged.append((start, end, kind))
        matches = []
        for start, end, kind in merged:
            first, last = origin[start], origin[end - 1] + 1
            matches.append(Match(start=first, end=last, text=text[first:last], kind=kind))
        return matches

    def redact(self, text: str, placeholder: str = PLACEHOLDER) -> str:
        """``text`` with every place that names the bidder replaced by ``placeholder``."""
        pieces = []
        position = 0
        for match in self.find(text):
            pieces += [text[position : match.start], placeholder]
            position = match.end
        return "".join([*pieces, text[position:]])


def identity_of(organisations: Iterable[object]) -> Identity:
    """The identity of a bidder from organisation records (submitted and registered):
    anything with the attributes ``name`` (or ``organisation_name``, as on a bid),
    ``kvk_number``, ``website``, ``email``, ``contact_person``, ``street_address``,
    ``postcode`` and ``phone``."""
    items = list(organisations)

    def values(*attributes: str) -> tuple[str, ...]:
        found = (getattr(item, a, "") or "" for item in items for a in attributes)
        return tuple(dict.fromkeys(value.strip() for value in found if value.strip()))

    return Identity(
        names=values("name", "organisation_name"),
        kvk_numbers=values("kvk_number"),
        websites=values("website"),
        emails=values("email"),
        contact_persons=values("contact_person"),
        street_addresses=values("street_address"),
        postcodes=values("postcode"),
        phones=values("phone"),
    )
