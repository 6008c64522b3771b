"""Every section of the dossier, in the order of its folders (``parts.FOLDERS``).

The assembler (``tender.dossier.build``) renders them one by one: the job makes one
step of each. A section added here is in every dossier, complete and inzage alike;
it decides itself what an inzage scope may see.
"""

from __future__ import annotations

from tender.dossier import stored
from tender.dossier.parts import Section

SECTIONS: tuple[Section, ...] = (
    stored.tender_documents,  # 01
    stored.opening_record,  # 03
    stored.decision_documents,  # 06
)
