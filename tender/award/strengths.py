"""What distinguishes the winning bids: the "kenmerken en relatieve voordelen" in the letters.

In ranked mode the award depends on how the winning bids compare with the others,
so every letter says in words what distinguished each winner (Aw 2012 art. 2.130;
case law asks for more than a score table). The text is drafted from the winner's
consensus motivations where it scored well, then reviewed and edited by the inkoper
(no confidential plan content) and confirmed before the advice can be approved.
In threshold mode every bid that meets the thresholds is awarded: the award does
not depend on relative advantage, and the letters explain the thresholds instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tender import audit
from tender.accounts.models import User
from tender.award.models import AwardDecision, DecisionStatus
from tender.award.service import AwardError
from tender.timefmt import format_number

MAX_LENGTH = 1500  # what the inkoper may write per winner
MIN_LENGTH = 20
DRAFT_CRITERIA = 3  # the criteria a draft names at most
_EXCERPT = 220  # the most a draft quotes of one motivation
_EXCERPT_ENOUGH = 90  # stop adding sentences once an excerpt is this long
EDITABLE = (DecisionStatus.ADVICE, DecisionStatus.RETURNED)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def needed(snapshot: Mapping[str, Any]) -> bool:
    """Whether the letters need a strengths text per winner (ranked mode only)."""
    return snapshot["tender"]["award_mode"] == "ranked"


def winners(snapshot: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The bids awarded in at least one lot, in ranked mode; none in threshold mode."""
    if not needed(snapshot):
        return []
    awarded = {bid_id for ids in snapshot["awarded"].values() for bid_id in ids}
    return [entry for entry in snapshot["bids"] if entry["bid_id"] in awarded]


def _excerpt(motivation: str) -> str:
    """The first sentence(s) of a motivation, cut at a word when too long."""
    excerpt = ""
    for sentence in _SENTENCE_END.split(" ".join(motivation.split())):
        excerpt = f"{excerpt} {sentence}".strip()
        if len(excerpt) >= _EXCERPT_ENOUGH:
            break
    if len(excerpt) > _EXCERPT:
        excerpt = excerpt[:_EXCERPT].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return excerpt


def draft(snapshot: Mapping[str, Any], entry: Mapping[str, Any]) -> str:
    """A first text for one winner: per criterion where it scored best (at most
    ``DRAFT_CRITERIA``), the criterion, the score and the start of the motivation."""
    tender = snapshot["tender"]
    criteria = {c["code"]: c for c in tender["criteria"]}
    scale_max = int(tender["scale_max"])
    scores = sorted(
        entry["scores"],
        key=lambda s: (-s["score"], -float(criteria[s["code"]]["weight"]), s["code"]),
    )
    lines = []
    for item in scores[:DRAFT_CRITERIA]:
        criterion = criteria[item["code"]]
        lines.append(
            f"{criterion['code']} {criterion['title']} (score {format_number(item['score'])} "
            f"van {scale_max}): {_excerpt(item['motivation'])}"
        )
    return "\n".join(lines)


def drafts(snapshot: Mapping[str, Any], kept: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A strengths entry per winner: a new draft, or the inkoper's edited text in
    ``kept`` for a bid that is still a winner (nothing edited is lost)."""
    kept = kept or {}
    result: dict[str, Any] = {}
    for entry in winners(snapshot):
        key = str(entry["bid_id"])
        text = draft(snapshot, entry)
        previous = kept.get(key)
        if previous and previous.get("edited_by"):
            result[key] = {**previous, "draft": text}
        else:
            result[key] = {"text": text, "draft": text, "edited_by": None, "edited_at": None}
    return result


def texts(snapshot: Mapping[str, Any], strengths: Mapping[str, Any]) -> dict[str, str]:
    """The text per winner (bid id as a string) as the letters print it."""
    return {
        str(entry["bid_id"]): strengths.get(str(entry["bid_id"]), {}).get("text", "")
        for entry in winners(snapshot)
    }


def problem(decision: AwardDecision) -> str | None:
    """Why the advice cannot be approved yet for want of confirmed texts (Dutch), or None."""
    if not needed(decision.snapshot) or decision.strengths_confirmed_at is not None:
        return None
    return (
        "De opsteller moet eerst de kenmerken en relatieve voordelen van de gegunde "
        "inschrijvingen vaststellen (pagina Kenmerken), zodat de brieven ze vermelden."
    )


def _expect_editable(decision: AwardDecision) -> None:
    if decision.status not in EDITABLE:
        raise AwardError(
            "De kenmerken kunnen alleen worden gewijzigd zolang het gunningsadvies niet is "
            f"goedgekeurd (versie {decision.version} heeft status '{decision.status}')."
        )
    if not needed(decision.snapshot):
        raise AwardError(
            "Bij gunning op drempels zijn geen kenmerken per gegunde inschrijving nodig."
        )


def text_problem(text: str) -> str | None:
    """What is wrong with one edited text (Dutch), or None."""
    length = len(text.strip())
    if length < MIN_LENGTH:
        return f"Beschrijf wat deze inschrijving onderscheidt (minstens {MIN_LENGTH} tekens)."
    if length > MAX_LENGTH:
        return f"Maak de tekst korter: hoogstens {MAX_LENGTH} tekens (nu {length})."
    return None


def edit(
    session: Session,
    *,
    decision: AwardDecision,
    edited: Mapping[str, str],
    confirm: bool,
    actor: User,
    now: datetime,
) -> None:
    """Save the inkoper's texts (bid id -> text) and, with ``confirm``, fix them for
    the letters. A changed text undoes an earlier confirmation."""
    _expect_editable(decision)
    current = dict(decision.strengths or {})
    unknown = set(edited) - set(current)
    if unknown:
        raise AwardError("Een van de teksten hoort niet bij een gegunde inschrijving.")
    problems = [p for text in edited.values() if (p := text_problem(text))]
    if problems:
        raise AwardError(" ".join(dict.fromkeys(problems)))
    changed = []
    for key, text in edited.items():
        text = text.strip().replace("\r\n", "\n")
        if text != current[key]["text"]:
            current[key] = {
                **current[key],
                "text": text,
                "edited_by": f"{actor.name} ({actor.email})",
                "edited_at": now.isoformat(),
            }
            changed.append(int(key))
    if confirm and decision.status != DecisionStatus.ADVICE:
        raise AwardError(
            "Leg eerst het gunningsadvies opnieuw vast; stel daarna de kenmerken vast."
        )
    decision.strengths = current
    if changed:
        decision.strengths_confirmed_at = None
        decision.strengths_confirmed_by_id = None
    if confirm:
        decision.strengths_confirmed_at = now
        decision.strengths_confirmed_by_id = actor.id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="award.strengths",
        object_type="award_decision",
        object_id=decision.id,
        tender_id=decision.tender_id,
        now=now,
        details={"versie": decision.version, "gewijzigd": sorted(changed), "vastgesteld": confirm},
    )
