"""Refused requests counted per address and hour, instead of one audit event each.

An anonymous visitor who asks for bid URLs is refused; before issue 13 every refusal
wrote an audit event, so a flood of requests wrote an unbounded number of rows into
the hash-chained trail. Now every refusal increments a counter for (address, hour,
who), upserted in one statement, and only a bounded number of refusals per counter
become audit events:

- anonymous: the first refusal of an address in an hour is audited, and says that
  further refusals in that hour are only counted;
- logged in: the account is known and DOMAIN 5.10 asks for every attempt, so each
  refusal is audited, up to ``AUDITED_PER_ACCOUNT`` per account, address and hour;
  the last audited one says that further refusals are only counted. Legitimate use
  never comes near the bound (a refusal means a guessed or stale URL); a script
  running under a stolen or misused account is still identified by those events and
  can no longer flood the trail.

IPv6 addresses are counted per /64 network: one host holds a whole /64 and could
otherwise make a counter per request. The Logboek shows the counters.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from tender.db import Base, UTCDateTime

ANONYMOUS = "anoniem"
AUDITED_PER_ACCOUNT = 50
WINDOW = timedelta(hours=1)
COUNTED_NOTE = "verdere weigeringen van dit adres in dit uur worden alleen geteld"


class RefusedHit(Base):
    """How often one visitor (an address, anonymous or one account) was refused in an hour."""

    __tablename__ = "refused_hit"
    __table_args__ = (UniqueConstraint("address", "window_start", "visitor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    # ANONYMOUS, or "account <id>" for a logged-in user.
    visitor: Mapped[str] = mapped_column(String(40))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    count: Mapped[int] = mapped_column(Integer)


def counted_address(remote_addr: str | None) -> str:
    """The address a refusal is counted under: IPv4 as is, IPv6 as its /64 network."""
    if not remote_addr:
        return "onbekend"
    try:
        parsed = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def account_visitor(user_id: int) -> str:
    return f"account {user_id}"


def window_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def count_refusal(session: Session, *, address: str, visitor: str, now: datetime) -> int:
    """Add one refusal to the visitor's counter of this hour; the count including it.

    One INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL, so concurrent
    refusals never lose a count nor fail on the unique constraint.
    """
    table = RefusedHit.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(
        address=address,
        window_start=window_start(now),
        visitor=visitor,
        first_at=now,
        last_at=now,
        count=1,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.address, table.c.window_start, table.c.visitor],
        set_={"count": table.c.count + 1, "last_at": statement.excluded.last_at},
    ).returning(table.c.count)
    return int(session.execute(statement).scalar_one())


def audited(count: int, *, visitor: str) -> tuple[bool, str | None]:
    """Whether the ``count``-th refusal of a counter becomes an audit event, and the
    note that event carries (the last audited one says that the rest is counted)."""
    bound = 1 if visitor == ANONYMOUS else AUDITED_PER_ACCOUNT
    if count > bound:
        return False, None
    return True, COUNTED_NOTE if count == bound else None


@dataclass(frozen=True)
class RefusalCount:
    """One counter as the Logboek shows it (which account is not shown: see there)."""

    address: str
    window_start: datetime
    anonymous: bool
    first_at: datetime
    last_at: datetime
    count: int


def recent(
    session: Session, *, now: datetime, days: int = 7, limit: int = 50
) -> list[RefusalCount]:
    """The counters of the last ``days`` days, the most recently hit first."""
    rows = session.scalars(
        select(RefusedHit)
        .where(RefusedHit.last_at >= now - timedelta(days=days))
        .order_by(RefusedHit.last_at.desc(), RefusedHit.id.desc())
        .limit(limit)
    )
    return [
        RefusalCount(
            address=row.address,
            window_start=row.window_start,
            anonymous=row.visitor == ANONYMOUS,
            first_at=row.first_at,
            last_at=row.last_at,
            count=row.count,
        )
        for row in rows
    ]
