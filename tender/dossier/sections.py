"""Every section of the dossier, in the order of its folders (``parts.FOLDERS``).

The assembler (``tender.dossier.build``) renders them one by one: the job makes one
step of each. A section added here is in every dossier, complete and inzage alike;
it decides itself what an inzage scope may see.
"""

from __future__ import annotations

from tender.dossier import stored
from tender.dossier.parts import Section

SECTIONS: tuple[Section, ...] = (
    stored.tender_documents,  # 01 Aanbestedingsstukken
    # 02 Inschrijvingen
    stored.opening_record,  # 03 Opening en toetsing
    # 03 requirement checks, 04 Beoordeling, 05 Uitslag, loting en dekking
    stored.decision_documents,  # 06 Gunningsbeslissing: stored report, letters, contracts
    # 06 decision history, 07 Logboek
)
