"""The stored outcome of a tender, valid for exactly one version of what it is computed from.

Computing the outcome at 500 bids means loading every received version, requirement
check and consensus score (about half a second); the pages that show it (award,
coverage, exports) would each pay that on every request. The outcome only changes
when something it is computed from changes, so it is kept in the database, where
every web worker on every host sees the same row:

- ``version`` counts the changes of what the outcome reads: bids (status, blind
  number), received versions, requirement checks, consensus scores, tie draws,
  the tender and its lots, criteria and requirements. A session event raises it
  in the same transaction as the change itself, so a change and its invalidation
  commit (or roll back) together; a bulk ``UPDATE``/``DELETE`` through the ORM
  raises every tender's version.
- ``cached_version`` says which version ``payload`` was computed from. A reader
  reads ``version`` first and the data after it, so the data it computes from is
  never older than the version it stores the result under; it stores it only if
  the version still holds, and never from a transaction that changed anything
  (whose version is not committed yet).
- ``code`` is a digest of the engine's source, so a deploy that changes how the
  outcome is computed never serves one computed by the old code.

Data changed by raw SQL outside the ORM is not seen: such a change must raise
``version`` itself (``invalidate``).
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import logging
import pickle
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, event, inspect, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column

from tender import audit, collector
from tender.award.models import TieDraw
from tender.bids.models import Bid, BidSubmission
from tender.db import Base
from tender.evaluation.models import ConsensusScore, RequirementCheck
from tender.tenders.models import Criterion, Lot, Requirement, Tender

log = logging.getLogger(__name__)

_PACKAGE = Path(__file__).resolve().parent.parent
CODE = hashlib.sha256(
    b"".join(
        (_PACKAGE / name).read_bytes()
        for name in (
            "scoring.py",
            "award/outcome.py",
            "award/outcome_cache.py",
            "bids/submitted.py",
        )
    )
).hexdigest()


class OutcomeCache(Base):
    """One row per tender, made with the tender (see the module docstring)."""

    __tablename__ = "outcome_cache"

    tender_id: Mapped[int] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, default=0)
    cached_version: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)


# What the outcome is computed from, besides the tender and its bids.
_BY_TENDER: tuple[type, ...] = (Lot, Criterion, Requirement, TieDraw)
_BY_BID: tuple[type, ...] = (BidSubmission, RequirementCheck, ConsensusScore)
_BID_FIELDS = ("status", "blind_number", "tender_id", "organisation_id")


def _watched_tables() -> set[str]:
    models = (Tender, Bid, *_BY_TENDER, *_BY_BID)
    return {m.__table__.name for m in models}  # type: ignore[attr-defined]


def invalidate(session: Session, tender_ids: Iterable[int] | None) -> None:
    """Raise the version of these tenders (of every tender for ``None``)."""
    statement = update(OutcomeCache).values(version=OutcomeCache.version + 1)
    if tender_ids is not None:
        ids = sorted(set(tender_ids))
        if not ids:
            return
        statement = statement.where(OutcomeCache.tender_id.in_(ids))
    # The row lock of the UPDATE is taken after the audit chain's lock, as every writer
    # does: a writer that recorded its event first and one that changed first can then
    # never wait for each other's lock (a deadlock on PostgreSQL).
    audit.lock_chain(session)
    session.connection().execute(statement)
    session.info["outcome_changed"] = True


def _bid_changed(session: Session, bid: Bid) -> bool:
    if bid in session.new or bid in session.deleted:
        return True
    attrs = inspect(bid).attrs
    return any(attrs[name].history.has_changes() for name in _BID_FIELDS)


def _after_flush(session: Session, _context: Any) -> None:
    session.info["flushed"] = True
    changed = [*session.new, *session.dirty, *session.deleted]
    new_tenders = [t.id for t in session.new if isinstance(t, Tender)]
    tender_ids: set[int] = set()
    bid_ids: set[int] = set()
    for obj in changed:
        if isinstance(obj, Tender):
            if obj not in session.new:
                tender_ids.add(obj.id)
        elif isinstance(obj, Bid):
            if _bid_changed(session, obj):
                tender_ids.add(obj.tender_id)
        elif isinstance(obj, _BY_TENDER):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            tender_ids.add(obj.tender_id)  # type: ignore[attr-defined]
        elif isinstance(obj, _BY_BID):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            bid_ids.add(obj.bid_id)  # type: ignore[attr-defined]
    if new_tenders:
        session.connection().execute(
            OutcomeCache.__table__.insert(),  # type: ignore[attr-defined]
            [{"tender_id": tender_id, "version": 0} for tender_id in new_tenders],
        )
    if bid_ids:
        known = {}
        for bid_id in bid_ids:
            bid = session.identity_map.get(session.identity_key(Bid, bid_id))  # type: ignore[arg-type]
            if bid is not None:
                known[bid_id] = bid.tender_id  # type: ignore[attr-defined]
        tender_ids.update(known.values())
        unknown = bid_ids - known.keys()
        if unknown:
            tender_ids.update(
                session.connection().scalars(select(Bid.tender_id).where(Bid.id.in_(unknown)))
            )
    if tender_ids:
        invalidate(session, tender_ids)


def _bulk_statement(state: Any) -> None:
    """An ORM bulk UPDATE/DELETE on a watched table raises every tender's version."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in _watched_tables() and table.name != "outcome_cache":
        invalidate(state.session, None)


def _transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop("flushed", None)
        session.info.pop("outcome_changed", None)


event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "do_orm_execute", _bulk_statement)
event.listen(Session, "after_transaction_end", _transaction_end)


def read_only(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    """A pickled ``MappingProxyType`` made again (the type itself cannot be pickled)."""
    return MappingProxyType(mapping)


def _dumps(value: Any) -> bytes:
    """Pickled; the engine's read-only mappings (``MappingProxyType``) as such."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {
        **copyreg.dispatch_table,
        MappingProxyType: lambda proxy: (read_only, (dict(proxy),)),
    }
    pickler.dump(value)
    return buffer.getvalue()


def _loads(payload: bytes) -> Any:
    """Unpickled without the cyclic garbage collector: the ~10^5 objects of a 500-bid
    outcome would otherwise set off several collections (5x slower), and none of them
    form a cycle."""
    with collector.paused():
        return pickle.loads(payload)


def load(session: Session, tender_id: int) -> tuple[int | None, Any]:
    """(the tender's version, the stored outcome if it is of that version, else None)."""
    row = session.execute(
        select(
            OutcomeCache.version, OutcomeCache.cached_version, OutcomeCache.code,
            OutcomeCache.payload,
        ).where(OutcomeCache.tender_id == tender_id)
    ).one_or_none()  # fmt: skip
    if row is None:
        return None, None
    version, cached_version, code, payload = row
    if cached_version == version and code == CODE and payload is not None:
        return version, _loads(payload)
    return version, None


def store(session: Session, tender_id: int, version: int | None, value: Any) -> None:
    """Keep ``value`` as the outcome of ``version``, if that version still holds.

    Written on a connection of its own and committed at once (a page that only reads
    does not commit); skipped when this session has written anything in its
    transaction, whose version is not committed and might be rolled back.
    """
    if version is None or session.info.get("flushed") or session.info.get("outcome_changed"):
        return
    payload = _dumps(value)
    try:
        with session.get_bind().engine.connect() as connection:
            connection.execute(
                update(OutcomeCache)
                .where(OutcomeCache.tender_id == tender_id, OutcomeCache.version == version)
                .values(cached_version=version, code=CODE, payload=payload)
            )
            connection.commit()
    except DBAPIError:  # a busy database: the outcome is computed again next time
        log.warning("outcome of tender %s not cached", tender_id, exc_info=True)
