"""The receipt of one submission: what it states, and its PDF.

The receipt is not stored: it is made again from the submission's record whenever it
is asked for (the provider's download, the evaluation dossier), so it always states
exactly what the submission froze. It prints the audit event that recorded the
submission, whenever it is made.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tender.bids import verification
from tender.bids.models import Bid, BidSubmission
from tender.documents.pdf import audit_footer
from tender.documents.receipt import ReceiptData, build_receipt


def receipt_data(bid: Bid, submission: BidSubmission) -> ReceiptData:
    """What the receipt of ``submission`` states, from that submission's record."""
    canonical = submission.canonical
    names = {lot.code: lot.name for lot in bid.tender.lots}
    attachments = [r["bewijs"] for r in canonical["eisen"] if r["bewijs"]] + [
        p["bijlage"] for p in canonical["plannen"] if p["bijlage"]
    ]
    return ReceiptData(
        tender_reference=bid.tender.reference,
        tender_title=bid.tender.title,
        contracting_authority=bid.tender.contracting_authority,
        region=bid.tender.region,
        organisation_name=canonical["organisatie"]["organisation_name"],
        kvk_number=canonical["organisatie"]["kvk_number"],
        submission_number=submission.number,
        received_at=submission.received_at,
        digest=submission.digest,
        lots=tuple(f"{code} – {names.get(code, code)}" for code in canonical["percelen"]),
        attachments=tuple((a["bestand"], a["sha256"]) for a in attachments),
    )


def receipt_pdf(session: Session, bid: Bid, submission: BidSubmission) -> bytes:
    """The receipt of ``submission`` as a PDF, with the audit event that recorded it."""
    with audit_footer(verification.submission_anchor(session, submission)):
        return build_receipt(receipt_data(bid, submission))
