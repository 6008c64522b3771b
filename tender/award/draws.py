"""The draw by lot ("loting") as a recorded procedure (DOMAIN.md section 4, issue 11).

A full tie on the cut-off of a ranked lot that the tender's tie-break cannot
resolve is decided by drawing lots. The record says which place each tied bid
drew, how the lots were drawn, by whom, in whose presence and when; a draw with
a missing or doubled place, without a witness other than the one who drew, or in
the future is refused. Once the award advice exists the draws are frozen in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import audit
from tender.accounts.models import User
from tender.award.models import TieDraw
from tender.award.outcome import TenderOutcome, tender_outcome
from tender.award.service import DECIDABLE_STATES, AwardError, decision_for
from tender.tenders.models import Tender

MAX_NAME_LENGTH = 200

# Which form field a refusal is about; "" for the draw as a whole.
PLACES, METHOD, DRAWN_BY, WITNESSES, DRAWN_AT = (
    "places",
    "method",
    "drawn_by",
    "witnesses",
    "drawn_at",
)


@dataclass(frozen=True)
class DrawProblem:
    """One reason to refuse a draw, in Dutch, with the field it is about."""

    field: str
    text: str


class DrawRefused(AwardError):
    """A draw that cannot be recorded; ``problems`` names every reason."""

    def __init__(self, problems: Sequence[DrawProblem]) -> None:
        super().__init__(" ".join(problem.text for problem in problems))
        self.problems = tuple(problems)


def clean_names(lines: Sequence[str]) -> list[str]:
    """Names as typed, one per entry: surrounding and doubled spaces and empty lines gone."""
    return [" ".join(line.split()) for line in lines if line.strip()]


def _same_person(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def draw_for(session: Session, tender: Tender, lot_code: str) -> TieDraw | None:
    """The draw recorded for the lot, if any (possibly for a tie that has since changed)."""
    return session.scalar(
        select(TieDraw).where(TieDraw.tender_id == tender.id, TieDraw.lot_code == lot_code)
    )


def draw_applies(draw: TieDraw, tied: Sequence[int]) -> bool:
    """Whether a recorded draw decides the tie: drawn for exactly these bids."""
    return set(draw.drawn_order) == set(tied)


def drawn_order(places: Mapping[int, int | None]) -> list[int]:
    """The bid ids by place, first drawn first (places already checked)."""
    return [bid_id for bid_id, _ in sorted(places.items(), key=lambda item: item[1] or 0)]


def _place_problems(
    places: Mapping[int, int | None], tied: Sequence[int], label: Mapping[int, str]
) -> list[DrawProblem]:
    count = len(tied)
    problems = [
        DrawProblem(PLACES, f"{label.get(bid_id, bid_id)} hoort niet bij de gelijke stand.")
        for bid_id in places
        if bid_id not in tied
    ]
    holders: dict[int, list[int]] = {}
    for bid_id in tied:
        place = places.get(bid_id)
        if place is None:
            problems.append(
                DrawProblem(
                    PLACES, f"Vul voor {label[bid_id]} een plaats in (1 tot en met {count})."
                )
            )
        elif not 1 <= place <= count:
            problems.append(
                DrawProblem(
                    PLACES,
                    f"De plaats van {label[bid_id]} is {place}; een plaats ligt tussen 1 en "
                    f"{count}.",
                )
            )
        else:
            holders.setdefault(place, []).append(bid_id)
    for place, holding in sorted(holders.items()):
        if len(holding) > 1:
            names = ", ".join(label[bid_id] for bid_id in holding)
            problems.append(
                DrawProblem(
                    PLACES,
                    f"Plaats {place} is meer dan eens gegeven ({names}); elke plaats komt "
                    "precies één keer voor.",
                )
            )
    return problems


def _people_problems(drawn_by: str, witnesses: Sequence[str]) -> list[DrawProblem]:
    problems = []
    if not drawn_by.strip():
        problems.append(DrawProblem(DRAWN_BY, "Vul de naam in van wie de loten heeft getrokken."))
    elif len(drawn_by.strip()) > MAX_NAME_LENGTH:
        problems.append(
            DrawProblem(DRAWN_BY, f"Een naam is hoogstens {MAX_NAME_LENGTH} tekens lang.")
        )
    names = clean_names(witnesses)
    if drawn_by.strip() and any(_same_person(name, drawn_by) for name in names):
        problems.append(
            DrawProblem(
                WITNESSES,
                f"{' '.join(drawn_by.split())} heeft de loten getrokken en kan niet ook getuige "
                "zijn; een getuige is een tweede persoon.",
            )
        )
    elif not names:
        problems.append(
            DrawProblem(
                WITNESSES,
                "Vul minstens één getuige in: een tweede persoon die bij de loting aanwezig "
                "was, naast wie de loten trok.",
            )
        )
    if any(len(name) > MAX_NAME_LENGTH for name in names):
        problems.append(
            DrawProblem(WITNESSES, f"Een naam is hoogstens {MAX_NAME_LENGTH} tekens lang.")
        )
    return problems


def draw_problems(
    session: Session,
    *,
    tender: Tender,
    lot_code: str,
    places: Mapping[int, int | None],
    method: str,
    drawn_by: str,
    witnesses: Sequence[str],
    drawn_at: datetime | None,
    now: datetime,
    data: TenderOutcome | None = None,
) -> list[DrawProblem]:
    """Every reason (Dutch) why this draw cannot be recorded now; empty when it can.

    ``places`` maps each tied bid id to the place it drew (1 is drawn first), None
    where no place was typed. ``data`` is the outcome without draws, when the
    caller already has it.
    """
    if tender.state not in DECIDABLE_STATES or decision_for(session, tender) is not None:
        return [
            DrawProblem(
                "",
                "Een loting kan alleen worden vastgelegd vóór het gunningsadvies; daarin ligt "
                "de uitkomst vast.",
            )
        ]
    data = data or tender_outcome(session, tender, draw_order={})
    tied = tuple(data.outcome.unresolved_ties.get(lot_code, ()))
    if not tied:
        return [
            DrawProblem("", f"In perceel {lot_code} is geen gelijke stand die een loting vraagt.")
        ]
    recorded = draw_for(session, tender, lot_code)
    if recorded is not None and draw_applies(recorded, tied):
        return [DrawProblem("", f"De loting in perceel {lot_code} is al vastgelegd.")]
    label = {bid.bid_id: bid.blind_code for bid in data.bids}
    problems = _place_problems(places, tied, label)
    if not method.strip():
        problems.append(
            DrawProblem(
                METHOD, "Beschrijf hoe er is geloot: wat voor loten, waarin, hoe getrokken."
            )
        )
    problems.extend(_people_problems(drawn_by, witnesses))
    if drawn_at is None:
        problems.append(DrawProblem(DRAWN_AT, "Vul de datum en tijd van de loting in."))
    elif drawn_at > now:
        problems.append(
            DrawProblem(DRAWN_AT, "Het moment van de loting ligt in de toekomst; loot eerst.")
        )
    elif tender.opened_at is not None and drawn_at < tender.opened_at:
        problems.append(
            DrawProblem(
                DRAWN_AT,
                "Het moment van de loting ligt vóór de opening van de inschrijvingen.",
            )
        )
    return problems


def record_draw(
    session: Session,
    *,
    tender: Tender,
    lot_code: str,
    places: Mapping[int, int | None],
    method: str,
    drawn_by: str,
    witnesses: Sequence[str],
    drawn_at: datetime | None,
    note: str,
    actor: User,
    now: datetime,
) -> TieDraw:
    """Record the draw by lot for the bids tied on the cut-off of a lot (audited).

    Refused (``DrawRefused``, every reason) as ``draw_problems`` says. A draw
    recorded earlier for a tie that has since changed is replaced.
    """
    problems = draw_problems(
        session,
        tender=tender,
        lot_code=lot_code,
        places=places,
        method=method,
        drawn_by=drawn_by,
        witnesses=witnesses,
        drawn_at=drawn_at,
        now=now,
    )
    if problems:
        raise DrawRefused(problems)
    assert drawn_at is not None
    draw = draw_for(session, tender, lot_code)
    replaced = _record_details(draw) if draw is not None else None
    if draw is None:
        draw = TieDraw(tender_id=tender.id, lot_code=lot_code)
        session.add(draw)
    draw.drawn_order = drawn_order(places)
    draw.method = method.strip()
    draw.drawn_by = " ".join(drawn_by.split())
    draw.witnesses = clean_names(witnesses)
    draw.drawn_at = drawn_at
    draw.note = note.strip()
    draw.recorded_by_id = actor.id
    draw.recorded_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="award.draw",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=now,
        details={**_record_details(draw), "vervangt": replaced},
    )
    return draw


def _record_details(draw: TieDraw) -> dict[str, Any]:
    return {
        "perceel": draw.lot_code,
        "volgorde": list(draw.drawn_order),
        "methode": draw.method,
        "getrokken_door": draw.drawn_by,
        "getuigen": list(draw.witnesses),
        "moment_loting": draw.drawn_at.isoformat(),
        "toelichting": draw.note,
    }
