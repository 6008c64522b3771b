"""Append-only, hash-chained audit trail.

Every event stores the hash of the event before it; its own hash covers its
content and that previous hash. Editing or deleting any row breaks the chain at
that row, which ``verify_chain`` reports. Removing the newest events would leave
a shorter chain that still checks out, so the chain is anchored: every generated
document records the head of the chain when it was made (``head``: the newest
event's id and hash) in its row and prints it in its footer, and a receipt prints
the event of its submission. ``missing_anchors`` checks that each recorded head is
still in the chain with exactly that hash, so deleting (or replacing) events up to
the newest anchored one is detected; the printed anchors let anyone holding a
document check the same against a copy of the database. ``prev_hash`` is unique,
so two concurrent writers can never both extend the chain from the same event; on
PostgreSQL an advisory lock makes them wait for each other instead of failing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event, select, text
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from tender.db import Base, UTCDateTime

GENESIS_HASH = "0" * 64

# How the audit trail page names the actions; an action without a label is shown as is.
ACTION_LABELS = {
    "tender.create": "Aanbesteding aangemaakt",
    "tender.configure": "Configuratie vervangen",
    "tender.schedule": "Planning vastgelegd",
    "tender.signatory": "Ondertekenaar gunningsbeslissingen gewijzigd",
    "tender.contract_start": "Ingangsdatum overeenkomst verplaatst",
    "tender.state": "Statuswijziging",
    "tender.documents": "Aanbestedingsdocumenten gemaakt (leidraad, concept-raamovereenkomst)",
    "user.create": "Account aangemaakt",
    "user.password": "Wachtwoord gewijzigd",
    "user.activate": "Account geactiveerd",
    "user.deactivate": "Account geblokkeerd",
    "user.activation_sent": "Activeringslink verstuurd",
    "user.activated": "Eigen wachtwoord gekozen via activeringslink",
    "user.reset": "Wachtwoord ongeldig gemaakt (nieuwe activeringslink)",
    "user.sessions_ended": "Overal uitgelogd (alle sessies beëindigd)",
    "user.register_existing": "Registratie geprobeerd met het e-mailadres van dit account",
    "user.email_confirmed": "E-mailadres bevestigd, organisatie geregistreerd",
    "registration.requested": "Registratie aangevraagd (wacht op bevestiging e-mailadres)",
    "login.success": "Ingelogd",
    "login.failed": "Inloggen mislukt",
    "role.requested": "Rol aangevraagd (wacht op bevestiging door een inkoper)",
    "role.confirmed": "Rol bevestigd door een inkoper",
    "role.rejected": "Rolverzoek afgewezen",
    "role.withdrawn": "Rolverzoek ingetrokken",
    "role.changed": "Rol gewijzigd",
    "organisation.register": "Organisatie geregistreerd",
    "organisation.kvk_checked": "KvK-nummer gecontroleerd",
    "organisation.member_invited": "Collega uitgenodigd voor de organisatie",
    "organisation.member_rights": "Rechten van een lid van de organisatie gewijzigd",
    "organisation.member_removed": "Toegang van een lid van de organisatie ingetrokken",
    "organisation.join_requested": "Aanmelding bij een bestaande organisatie (KvK-nummer bekend)",
    "organisation.join_accepted": "Aanmelding geaccepteerd door de beheerder van de organisatie",
    "organisation.join_refused": "Aanmelding geweigerd door de beheerder van de organisatie",
    "award.draw": "Uitslag loting vastgelegd",
    "award.advice": "Gunningsadvies opgesteld",
    "award.return": "Gunningsadvies teruggestuurd",
    "award.approve": "Gunningsadvies goedgekeurd (tweede inkoper)",
    "award.decide": "Gunningsbesluit vastgelegd",
    "award.preview": "Brieven bekeken door de goedkeurende inkoper",
    "award.award_letters": "Brieven maken en verzenden gestart",
    "award.award_letters_resumed": "Maken van de brieven hervat",
    "award.award_letters_released": "Gunningsbeslissingen verzonden (documenten bevroren)",
    "award.contracts": "Raamovereenkomsten maken gestart",
    "award.contracts_resumed": "Maken van de raamovereenkomsten hervat",
    "award.contracts_released": "Raamovereenkomsten vrijgegeven (documenten bevroren)",
    "award.withdraw": "Gunningsbeslissing ingetrokken",
    "award.objection": "Bezwaar vastgelegd",
    "evaluation.revision": "Consensus heropend voor herbeoordeling na intrekking",
    "question.ask": "Vraag gesteld",
    "question.answer": "Antwoord opgesteld",
    "question.answer_changed": "Antwoord gewijzigd",
    "question.reveal_asker": "Vraagsteller getoond",
    "question.edit": "Vraag anders geformuleerd (oude en nieuwe tekst)",
    "question.merge": "Vragen samengevoegd",
    "question.add_own": "Eigen vraag met antwoord toegevoegd",
    "question.reorder": "Onderdeel of volgorde van een vraag gewijzigd",
    "qa.publish": "Nota van inlichtingen gepubliceerd",
    "tender.deadline_moved": "Uiterste inschrijfdatum verplaatst",
    "tender.schedule_changed": "Planning gewijzigd (met reden, gepubliceerd als nota)",
    "tender.opening_moved": "Geplande opening verplaatst",
    "coverage.gap_decision": "Besluit over tekort in dekkend aanbod",
    "tender.receipts_check_failed": "Ontvangen inschrijvingen wijken af van ontvangstbewijzen",
    "tender.storage_check_failed": "Opgeslagen bestanden ontbreken of zijn gewijzigd",
    "stored_file.unavailable": "Opgeslagen bestand ontbreekt of is gewijzigd (niet getoond)",
    "attachment.sanitised": "Geschoonde kopie van een bijlage gemaakt voor de commissie",
    "attachment.preview": "Geredigeerde bijlage bekeken (voorbeeld)",
    "attachment.released": "Geredigeerde bijlage vrijgegeven voor de commissie",
    "attachment.withheld": "Bijlage geweigerd voor de commissie",
    "committee.declaration": "Verklaring belangenverstrengeling ondertekend",
    "committee.conflict_later": "Band met een inschrijver later gemeld (scores terzijde)",
    "committee.remove_from_bid": "Commissielid van een inschrijving gehaald (scores terzijde)",
    "consensus.reopen": "Consensus heropend door de voorzitter (individuele scores weer open)",
    "bid.access_refused": "Toegang tot een inschrijving geweigerd",
    "dossier.made": "Dossier gemaakt (ZIP met inhoudsopgave)",
    "dossier.download": "Dossier gedownload",
}
_ADVISORY_LOCK_KEY = 7_300_412  # arbitrary, constant: "the audit chain"
_CHAIN_LOCKED = "audit_chain_locked"  # session.info: this transaction holds the lock


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    tender_id: Mapped[int | None] = mapped_column(ForeignKey("tender.id"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    # The Logboek lists the actions that occur in a tender's trail: read from this
    # index alone, not from tens of thousands of rows.
    __table_args__ = (Index("ix_audit_event_tender_action", "tender_id", "action"),)


class AuditTrailIsAppendOnly(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_audit_events(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")


def event_hash(
    *,
    prev_hash: str,
    occurred_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: int | None,
    tender_id: int | None,
    details: dict[str, Any],
) -> str:
    """SHA-256 over the canonical JSON of an event's content and its predecessor."""
    canonical = json.dumps(
        {
            "prev": prev_hash,
            "at": occurred_at.isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "tender_id": tender_id,
            "details": details,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def lock_chain(session: Session) -> None:
    """On PostgreSQL, wait for the chain until this transaction ends (a no-op on SQLite,
    whose writers queue for the whole database anyway). Taken again by the same
    transaction, it is simply held. Other locks a writer takes on shared rows (the
    stored outcome's version, ``tender.award.outcome_cache``) are taken after this
    one, so two writers always lock in the same order and never deadlock.

    The session remembers that it holds the lock until its transaction (or any
    savepoint in it) ends, so a second call in the same transaction, e.g. the audit
    event after the outcome's version was raised, costs no round trip.
    """
    if session.info.get(_CHAIN_LOCKED) or session.get_bind().dialect.name != "postgresql":
        return
    session.connection().execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY}
    )
    session.info[_CHAIN_LOCKED] = True


@event.listens_for(Session, "after_transaction_end")
def _chain_lock_released(session: Session, transaction: SessionTransaction) -> None:
    """A transaction-level advisory lock ends with the transaction; one taken inside a
    savepoint also with a rollback to it (forgotten at every savepoint's end, the safe
    side). A flush's own inner transaction is neither and keeps it."""
    if transaction.parent is None or transaction.nested:
        session.info.pop(_CHAIN_LOCKED, None)


def record(
    session: Session,
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: int | None,
    now: datetime,
    tender_id: int | None = None,
    details: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event to the chain (flushed, not committed).

    ``actor`` is a User or None (the system, e.g. a CLI run without a user);
    ``actor_label`` names an actor without an account (e.g. an anonymous visitor).
    """
    lock_chain(session)
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev_hash = last or GENESIS_HASH
    content = {
        "occurred_at": now,
        "actor_id": actor.id if actor is not None else None,
        "actor_label": actor.email if actor is not None else (actor_label or "systeem"),
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "tender_id": tender_id,
        "details": details or {},
    }
    audit_event = AuditEvent(
        **content, prev_hash=prev_hash, hash=event_hash(prev_hash=prev_hash, **content)
    )
    session.add(audit_event)
    session.flush()
    return audit_event


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    reason: str


def verify_chain(events: Iterable[AuditEvent]) -> BrokenLink | None:
    """The first event (in id order) whose link or content does not check out."""
    expected_prev = GENESIS_HASH
    for audit_event in events:
        if audit_event.prev_hash != expected_prev:
            return BrokenLink(
                audit_event.id,
                "de verwijzing naar de vorige gebeurtenis klopt niet "
                "(een gebeurtenis ervoor is gewijzigd of verwijderd)",
            )
        recomputed = event_hash(
            prev_hash=audit_event.prev_hash,
            occurred_at=audit_event.occurred_at,
            actor_id=audit_event.actor_id,
            actor_label=audit_event.actor_label,
            action=audit_event.action,
            object_type=audit_event.object_type,
            object_id=audit_event.object_id,
            tender_id=audit_event.tender_id,
            details=audit_event.details,
        )
        if recomputed != audit_event.hash:
            return BrokenLink(audit_event.id, "de inhoud is gewijzigd")
        expected_prev = audit_event.hash
    return None


def verify(session: Session) -> BrokenLink | None:
    """Walk the whole chain in id order, streaming it in batches.

    Rows are read as they are in the database now, never from the session's cache.
    """
    events = session.scalars(
        select(AuditEvent)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000, populate_existing=True)
    )
    return verify_chain(events)


@dataclass(frozen=True)
class AuditAnchor:
    """A point in the chain: an event's id (its sequence number) and its hash."""

    event_id: int
    hash: str


def head(session: Session) -> AuditAnchor | None:
    """The newest event of the chain as this transaction sees it; None while it is empty."""
    row = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return AuditAnchor(event_id=row.id, hash=row.hash) if row is not None else None


@dataclass(frozen=True)
class AnchoredRecord:
    """Something that recorded the chain's head, named for the report (e.g. a document)."""

    label: str
    anchor: AuditAnchor


@dataclass(frozen=True)
class MissingAnchor:
    record: AnchoredRecord
    reason: str


def missing_anchors(session: Session, records: Iterable[AnchoredRecord]) -> list[MissingAnchor]:
    """The records whose anchor is no longer in the chain as it was recorded.

    An anchor is found when the chain still holds the event with that id and exactly
    that hash. Together with ``verify`` (every event links to the one before it) this
    proves that no event up to the newest anchor was removed or replaced.
    """
    records = list(records)
    ids = sorted({record.anchor.event_id for record in records})
    hashes: dict[int, str] = {}
    for start in range(0, len(ids), 500):  # bounded IN lists
        batch = ids[start : start + 500]
        rows = session.execute(
            select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.id.in_(batch))
        )
        hashes.update({row.id: row.hash for row in rows})
    missing = []
    for record in records:
        found = hashes.get(record.anchor.event_id)
        if found is None:
            missing.append(
                MissingAnchor(
                    record,
                    f"gebeurtenis {record.anchor.event_id} ontbreekt in het logboek "
                    "(gebeurtenissen zijn verwijderd)",
                )
            )
        elif found != record.anchor.hash:
            missing.append(
                MissingAnchor(
                    record,
                    f"gebeurtenis {record.anchor.event_id} heeft niet meer de vastgelegde hash "
                    "(gebeurtenissen zijn verwijderd of vervangen)",
                )
            )
    return missing
