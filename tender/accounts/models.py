"""Users, their roles, and provider organisations; activation links and role requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tender.db import Base, UTCDateTime


class Role(StrEnum):
    PROCUREMENT_OFFICER = "inkoper"
    EVALUATOR = "beoordelaar"
    PROVIDER = "aanbieder"
    ADVISORY_COUNCIL = "adviesraad"
    ADMINISTRATOR = "beheerder"


ROLE_LABELS = {
    Role.PROCUREMENT_OFFICER: "Inkoper",
    Role.EVALUATOR: "Beoordelaar",
    Role.PROVIDER: "Aanbieder",
    Role.ADVISORY_COUNCIL: "Adviesraad",
    Role.ADMINISTRATOR: "Beheerder",
}
NO_ROLE_LABEL = "Geen rol"

_ROLE_VALUES = ", ".join(f"'{role.value}'" for role in Role)


class KvkStatus(StrEnum):
    """What the KvK verifier (``tender.accounts.kvk``) said about an organisation's number."""

    UNCHECKED = "niet gecontroleerd"
    VERIFIED = "geverifieerd"
    UNVERIFIED = "niet geverifieerd"


_KVK_STATUS_VALUES = ", ".join(f"'{status.value}'" for status in KvkStatus)


class Organisation(Base):
    """A care provider (aanbieder), identified by its KvK number."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kvk_number: Mapped[str] = mapped_column(String(8), unique=True)
    street_address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(7))
    city: Mapped[str] = mapped_column(String(100))
    contact_person: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(30), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kvk_status: Mapped[KvkStatus] = mapped_column(
        String(20), default=KvkStatus.UNCHECKED, server_default=KvkStatus.UNCHECKED.value
    )
    # Why the verifier said so, in Dutch ("niet gevonden", "KvK niet bereikbaar").
    kvk_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    kvk_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    users: Mapped[list[User]] = relationship(back_populates="organisation")

    __table_args__ = (
        CheckConstraint("length(kvk_number) = 8", name="kvk_length"),
        CheckConstraint(f"kvk_status IN ({_KVK_STATUS_VALUES})", name="kvk_status_known"),
    )

    @property
    def kvk_verified(self) -> bool:
        return self.kvk_status == KvkStatus.VERIFIED


class User(UserMixin, Base):
    """An account. Providers belong to exactly one organisation; other roles to none."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    # None: no role yet, e.g. while the role inkoper waits for an inkoper's confirmation.
    role: Mapped[Role | None] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A password someone else chose (``flask user create``) works once: until the
    # user has chosen its own, every page leads to the password form.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Stored in the session at login (``get_id``); raising it ends every session of
    # the account: password, role or status changed, or "Overal uitloggen".
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    # Within a provider organisation: its beheerder (manages members, may submit and
    # withdraw), or a member the beheerder allowed to submit and withdraw. Not the
    # application's role beheerder.
    organisation_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    may_submit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")

    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),
        CheckConstraint(
            "(role = 'aanbieder') = (organisation_id IS NOT NULL)",
            name="provider_has_organisation",
        ),
        CheckConstraint(
            "organisation_id IS NOT NULL OR (NOT organisation_admin AND NOT may_submit)",
            name="member_rights_need_organisation",
        ),
    )

    @property
    def submits_for_organisation(self) -> bool:
        """May submit and withdraw its organisation's bids (its beheerder, or allowed)."""
        return self.organisation_id is not None and (self.organisation_admin or self.may_submit)

    @property
    def member_role_label(self) -> str:
        if self.organisation_admin:
            return "Beheerder van de organisatie"
        if self.may_submit:
            return "Lid, mag indienen en intrekken"
        return "Lid"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """What the session cookie holds: the id and the session version."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Every session of this account stops working at its next request."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)] if self.role is not None else NO_ROLE_LABEL


class AccountActivation(Base):
    """A one-time link with which a user chooses its own password.

    Only the SHA-256 of the token is stored; the token itself is in the e-mail alone.
    """

    __tablename__ = "account_activation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A newer link (or a reset) replaces every link still open.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PendingRegistration(Base):
    """A provider's registration that waits until the e-mail address is confirmed.

    No account or organisation exists yet, so a registration with an address that
    already has an account looks the same from outside. Only the SHA-256 of the
    link's token is stored; the password only as its hash.
    """

    __tablename__ = "pending_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation_fields: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JoinOutcome(StrEnum):
    ACCEPTED = "geaccepteerd"
    REFUSED = "geweigerd"


_JOIN_OUTCOME_VALUES = ", ".join(f"'{outcome.value}'" for outcome in JoinOutcome)


class JoinRequest(Base):
    """A confirmed registration for a KvK number that already has an organisation.

    Nobody gets an account, let alone bids, under a known KvK number without the
    organisation's beheerder: it accepts (the account is made with the password the
    registrant chose) or refuses. The password hash is cleared once decided.
    """

    __tablename__ = "join_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    outcome: Mapped[JoinOutcome | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        CheckConstraint(
            f"outcome IS NULL OR outcome IN ({_JOIN_OUTCOME_VALUES})", name="outcome_known"
        ),
        # One open request per address and organisation.
        Index(
            "uq_join_request_open",
            "organisation_id",
            "email",
            unique=True,
            sqlite_where=text("outcome IS NULL"),
            postgresql_where=text("outcome IS NULL"),
        ),
    )


class RoleRequestOutcome(StrEnum):
    CONFIRMED = "bevestigd"
    REJECTED = "afgewezen"
    WITHDRAWN = "ingetrokken"


_OUTCOME_VALUES = ", ".join(f"'{outcome.value}'" for outcome in RoleRequestOutcome)


class RoleRequest(Base):
    """A role (inkoper) asked for an account, which another inkoper must confirm.

    ``requested_by_id`` None: asked through the command line (the operator).
    """

    __tablename__ = "role_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[Role] = mapped_column(String(20))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[RoleRequestOutcome | None] = mapped_column(String(20))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),
        CheckConstraint(f"outcome IS NULL OR outcome IN ({_OUTCOME_VALUES})", name="outcome_known"),
        # Nobody confirms a request for themselves, nor their own request.
        CheckConstraint(
            "outcome IS NULL OR outcome != 'bevestigd' OR (decided_by_id IS NOT NULL "
            "AND decided_by_id != user_id "
            "AND (requested_by_id IS NULL OR decided_by_id != requested_by_id))",
            name="confirmed_by_another",
        ),
        # At most one open request per account.
        Index(
            "uq_role_request_open",
            "user_id",
            unique=True,
            sqlite_where=text("outcome IS NULL"),
            postgresql_where=text("outcome IS NULL"),
        ),
    )
