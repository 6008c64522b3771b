"""Folder 06 of the dossier: the course of the award decision over all its versions.

One PDF, complete file only: per version, oldest first, who prepared the advice and
when, every return with its reason, the approval, the decision (date, deciding
body, mandate, signatory, who recorded it), the preview of the letters, the sending
and the end of the standstill, an objection, the withdrawal with its reason, the
definitive award and which version it replaces. The stored award report, letters
and contracts themselves are added to the folder by the assembler.
"""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph
from sqlalchemy.orm import Session

from tender.accounts.models import User
from tender.award import documents as award_documents
from tender.award import versions
from tender.award.models import AwardDecision
from tender.documents import award_report, pdf
from tender.dossier.parts import DECISION, DossierFile, Scope
from tender.tenders.models import Tender
from tender.timefmt import count_of, format_date, format_datetime

NAME = "verloop-gunningsbeslissing.pdf"
TITLE = "Verloop van de gunningsbeslissing"


def decision_history(session: Session, scope: Scope) -> list[DossierFile]:
    """The decision history PDF; nothing for an inzage dossier or without a decision."""
    tender = session.get(Tender, scope.tender_id)
    if tender is None or not scope.full:
        return []
    found = versions.versions(session, tender)
    if not found:
        return []
    # The newest version's context holds the history of every version before it.
    context = award_documents.decision_context(session, found[-1])
    entries = {entry["version"]: entry for entry in context["history"]}
    story: list[Flowable] = [
        Paragraph(TITLE, pdf.TITLE),
        Paragraph(pdf.markup(f"{tender.title} – kenmerk {tender.reference}"), pdf.SUBTITLE),
        Paragraph(
            f"De gunningsbeslissing kent {count_of(len(found), 'versie', 'versies')}. Per "
            "versie, de oudste eerst: wie het gunningsadvies opstelde, wie het terugstuurde "
            "en waarom, wie het goedkeurde, het besluit, het bekijken en verzenden van de "
            "brieven, de opschortende termijn, bezwaar, intrekking en definitieve gunning. "
            "De brieven, het gunningsadvies en de raamovereenkomsten van elke versie staan "
            "als afzonderlijke bestanden in deze map.",
            pdf.BODY,
        ),
    ]
    for decision in found:
        rows = award_report.version_rows(award_documents.version_entry(entries[decision.version]))
        rows += _more_rows(session, decision)
        story.append(
            KeepTogether(
                [
                    *pdf.section_heading(f"Versie {decision.version} – {decision.status}"),
                    pdf.facts_table(rows, label_width=45 * mm),
                ]
            )
        )
    content = pdf.render(
        story,
        title=TITLE,
        authority=tender.contracting_authority,
        region=tender.region,
        reference=tender.reference,
    )
    return [DossierFile(DECISION, NAME, TITLE, content)]


def _by(session: Session, user_id: int | None, moment: datetime | None) -> str:
    user = session.get(User, user_id) if user_id else None
    who = f"{user.name} ({user.email})" if user else "onbekend"
    return f"door {who} op {format_datetime(moment)}"


def _more_rows(session: Session, decision: AwardDecision) -> list[tuple[str, str]]:
    """What the report's version record leaves out: who recorded the decision, the
    signatory, the preview, the standstill, objection, definitive award, replacement."""
    rows: list[tuple[str, str]] = []
    if decision.replaces is not None:
        rows.append(("Vervangt", f"versie {decision.replaces.version} (ingetrokken)"))
    if decision.strengths_confirmed_at is not None:
        rows.append(
            (
                "Kenmerken vastgesteld",
                _by(session, decision.strengths_confirmed_by_id, decision.strengths_confirmed_at),
            )
        )
    if decision.decided_at is not None:
        rows.append(
            ("Besluit vastgelegd", _by(session, decision.decided_by_id, decision.decided_at))
        )
    if decision.signatory_name:
        rows.append(("Ondertekenaar", f"{decision.signatory_name}, {decision.signatory_function}"))
    if decision.previewed_at is not None:
        rows.append(
            ("Brieven bekeken", _by(session, decision.previewed_by_id, decision.previewed_at))
        )
    if decision.standstill_end is not None:
        rows.append(("Opschortende termijn", f"tot en met {format_date(decision.standstill_end)}"))
    if decision.objection_pending or decision.objection_note.strip():
        state = "aanhangig" if decision.objection_pending else "niet (meer) aanhangig"
        note = decision.objection_note.strip()
        rows.append(("Bezwaar", f"{state}{': ' + note if note else ''}"))
    if decision.definitive_at is not None:
        rows.append(
            ("Definitief gegund", _by(session, decision.definitive_by_id, decision.definitive_at))
        )
    return rows
