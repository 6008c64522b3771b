"""What a dossier section hands to the assembler, and whose dossier it is.

A section is a function ``(session, scope) -> list[DossierFile]``. It returns the
files it contributes, in the order they appear in the index, and nothing that the
scope may not see: for an inzage scope (``scope.bid_id`` set) only what that bidder
may see (its own bid as submitted, its own scores and motivations, the winners'
scores and published strengths, the public documents); for the complete file
(``scope.bid_id is None``) everything.

Sections are pure functions of the database state up to ``scope.audit_seq``: the
same state gives the same files, byte for byte. PDFs are rendered by the assembler
inside ``pdf.generated_at(scope.as_of)`` and ``pdf.audit_footer(...)``, so a section
never reads the clock; lists are ordered by stable keys (ids, numbers, names).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

# The folders of a dossier, in index order. A section puts each file in one of them.
TENDER_DOCUMENTS = "01 Aanbestedingsstukken"
BIDS = "02 Inschrijvingen"
OPENING = "03 Opening en toetsing"
COMMITTEE = "04 Beoordeling"
OUTCOME = "05 Uitslag, loting en dekking"
DECISION = "06 Gunningsbeslissing"
AUDIT_TRAIL = "07 Logboek"
FOLDERS = (TENDER_DOCUMENTS, BIDS, OPENING, COMMITTEE, OUTCOME, DECISION, AUDIT_TRAIL)


@dataclass(frozen=True)
class Scope:
    """Whose dossier, and of which moment."""

    tender_id: int
    # None: the complete file ("volledig", inkoper and court); a bid id: the inzage
    # dossier of that bidder.
    bid_id: int | None
    # The last audit event the dossier covers (its id and hash are the chain head the
    # index prints) and its moment (UTC, aware): the dossier describes the state then.
    audit_seq: int
    audit_hash: str
    as_of: datetime
    # No award decision has been taken yet: the index marks the file as interim.
    interim: bool

    @property
    def full(self) -> bool:
        return self.bid_id is None


@dataclass(frozen=True)
class DossierFile:
    folder: str  # one of FOLDERS
    name: str  # file name inside the folder: unique there, no slashes
    title: str  # what the index calls it, in Dutch
    content: bytes


Section = Callable[[Session, Scope], list[DossierFile]]
