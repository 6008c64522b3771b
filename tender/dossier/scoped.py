"""What the generated dossier sections share: the tender, the bids a scope may see,
stable file names and the page layout.

While the bids are sealed (the tender is not opened) nothing may show who bid, so
``opened_tender`` answers None and the bid-related sections contribute nothing.
"""

from __future__ import annotations

import re
import unicodedata

from reportlab.platypus import Flowable
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tender.bids.models import Bid, BidStatus
from tender.bids.submitted import SubmittedBid, submitted_version
from tender.documents.pdf import render
from tender.dossier.parts import Scope
from tender.permissions import bids_sealed
from tender.tenders.models import Tender

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def opened_tender(session: Session, scope: Scope) -> Tender | None:
    """The scope's tender once its bids are opened; None while they are sealed."""
    tender = session.get(Tender, scope.tender_id)
    if tender is None or bids_sealed(tender):
        return None
    return tender


def received_in_scope(
    session: Session, tender: Tender, scope: Scope
) -> list[tuple[Bid, SubmittedBid]]:
    """The received bids the scope may see with the version that counts, by blind number:
    every one for the complete file, only its own for an inzage dossier."""
    query = (
        select(Bid)
        .where(Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED)
        .options(selectinload(Bid.submissions))
    )
    if not scope.full:
        query = query.where(Bid.id == scope.bid_id)
    found = [(bid, v) for bid in session.scalars(query) if (v := submitted_version(bid))]
    return sorted(found, key=lambda item: (item[0].blind_number or 0, item[0].id))


def bid_label(bid: Bid, version: SubmittedBid) -> str:
    """'Inschrijving 07 – Zorg BV (KvK 12345678)': the bid as the dossier names it."""
    organisation = version.organisation
    return f"{bid.blind_code} – {organisation.name} (KvK {organisation.kvk_number})"


def file_prefix(bid: Bid) -> str:
    """The stable start of every file name of one bid, e.g. 'inschrijving-07'."""
    if bid.blind_number is None:
        return f"inschrijving-id{bid.id}"
    return f"inschrijving-{bid.blind_number:02d}"


def ascii_name(text: str, *, limit: int = 60) -> str:
    """A user's file name made safe for a ZIP entry: ASCII letters, digits, '.', '_', '-'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub("-", folded).strip("-.")[:limit].strip("-.")
    return cleaned or "bestand"


def render_for(tender: Tender, story: list[Flowable], *, title: str) -> bytes:
    """A dossier PDF of ``tender`` in the municipal letter layout."""
    return render(
        story,
        title=title,
        authority=tender.contracting_authority,
        region=tender.region,
        reference=tender.reference,
        subject=f"{title} – {tender.title}",
    )
