"""Every model of the application, imported once so the metadata is complete."""

from tender.accounts.models import Organisation, Role, User
from tender.audit import AuditEvent
from tender.award.models import AwardDecision, DocumentJob, GapDecision, TieDraw
from tender.award.outcome_cache import OutcomeCache
from tender.bids.models import (
    Attachment,
    Bid,
    BidLot,
    BidStatus,
    BidSubmission,
    CoverageDeclaration,
    NetworkPartner,
    Plan,
    RequirementDeclaration,
    Subcontractor,
)
from tender.db import Base
from tender.documents.models import Document
from tender.dossier.models import Dossier
from tender.evaluation.models import (
    CommitteeMember,
    ConflictDeclaration,
    ConsensusScore,
    RequirementCheck,
    Score,
)
from tender.qa.models import QaRound, Question
from tender.refused_hits import RefusedHit
from tender.tenders.models import (
    ContractTerms,
    Criterion,
    Lot,
    Municipality,
    Product,
    Requirement,
    ScaleLevel,
    TargetGroup,
    Tender,
    TenderState,
)
from tender.tenders.schedule_models import ScheduleChange

__all__ = [
    "Attachment",
    "AuditEvent",
    "AwardDecision",
    "Base",
    "Bid",
    "BidLot",
    "BidStatus",
    "BidSubmission",
    "CommitteeMember",
    "ConflictDeclaration",
    "ConsensusScore",
    "ContractTerms",
    "CoverageDeclaration",
    "Criterion",
    "Document",
    "DocumentJob",
    "Dossier",
    "GapDecision",
    "Lot",
    "Municipality",
    "NetworkPartner",
    "Organisation",
    "OutcomeCache",
    "Plan",
    "Product",
    "QaRound",
    "Question",
    "RefusedHit",
    "Requirement",
    "RequirementCheck",
    "RequirementDeclaration",
    "Role",
    "ScaleLevel",
    "ScheduleChange",
    "Score",
    "Subcontractor",
    "TargetGroup",
    "Tender",
    "TenderState",
    "TieDraw",
    "User",
]
