"""Every section of the dossier, in the order of its folders (``parts.FOLDERS``).

The assembler (``tender.dossier.build``) renders them one by one: the job makes one
step of each. A section added here is in every dossier, complete and inzage alike;
it decides itself what an inzage scope may see.
"""

from __future__ import annotations

from tender.dossier import stored
from tender.dossier.audit_log import audit_trail
from tender.dossier.bids import bids_as_submitted, requirement_checks
from tender.dossier.committee import committee_records
from tender.dossier.history import decision_history
from tender.dossier.outcome import outcome
from tender.dossier.parts import Section

SECTIONS: tuple[Section, ...] = (
    stored.tender_documents,  # 01 Aanbestedingsstukken
    bids_as_submitted,  # 02 Inschrijvingen
    stored.opening_record,  # 03 Opening en toetsing: the record of opening
    requirement_checks,  # 03 Opening en toetsing: the requirement checks
    committee_records,  # 04 Beoordeling
    outcome,  # 05 Uitslag, loting en dekking
    decision_history,  # 06 Gunningsbeslissing: the history of every version
    stored.decision_documents,  # 06 Gunningsbeslissing: stored report, letters, contracts
    audit_trail,  # 07 Logboek
)
