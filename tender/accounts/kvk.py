"""Checking KvK numbers: the format here, the register through a pluggable verifier.

A verifier answers whether a KvK number exists in the Handelsregister. Which one is
used is a setting: ``KVK_VERIFIER`` (an object with ``verify``; tests inject a fake,
nothing in the suite touches the network), otherwise ``KVK_API_URL`` with
``KVK_API_KEY`` (the KvK API, e.g. its Basisprofiel endpoint, called with urllib),
otherwise none: every organisation stays "niet gecontroleerd". A verifier that cannot
answer (timeout, HTTP error, unreadable reply) makes the organisation "niet
geverifieerd" with the reason, never an error for the registrant. The inkoper sees
organisations that are not verified after the opening (``unverified_bidders``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import audit
from tender.accounts.models import KvkStatus, Organisation
from tender.bids.models import Bid, BidStatus
from tender.tenders.models import Tender

DEFAULT_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class KvkVerdict:
    status: KvkStatus
    note: str = ""


class KvkVerifier(Protocol):
    def verify(self, kvk_number: str) -> KvkVerdict: ...


class KvkApiVerifier:
    """The KvK API: ``GET <url>/<kvk_number>`` with the key in the ``apikey`` header.

    Verified when the register answers 200 with the same ``kvkNummer``.
    """

    def __init__(self, url: str, key: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.url = url.rstrip("/")
        self.key = key
        self.timeout = timeout

    def verify(self, kvk_number: str) -> KvkVerdict:
        request = urllib.request.Request(
            f"{self.url}/{urllib.parse.quote(kvk_number)}",
            headers={"apikey": self.key, "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read(1_000_000).decode("utf-8"))
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return KvkVerdict(KvkStatus.UNVERIFIED, "niet gevonden in het Handelsregister")
            return KvkVerdict(KvkStatus.UNVERIFIED, f"KvK antwoordde met fout {error.code}")
        except (TimeoutError, urllib.error.URLError, OSError):
            return KvkVerdict(KvkStatus.UNVERIFIED, "KvK niet bereikbaar (geen antwoord)")
        except ValueError:
            return KvkVerdict(KvkStatus.UNVERIFIED, "onleesbaar antwoord van de KvK")
        if isinstance(body, dict) and str(body.get("kvkNummer", "")) == kvk_number:
            return KvkVerdict(KvkStatus.VERIFIED, "gevonden in het Handelsregister")
        return KvkVerdict(KvkStatus.UNVERIFIED, "niet gevonden in het Handelsregister")


def configured_verifier(config: Mapping[str, Any]) -> KvkVerifier | None:
    """The verifier the settings name, or None when none is configured."""
    injected = config.get("KVK_VERIFIER")
    if injected is not None:
        return injected  # type: ignore[no-any-return]
    url = config.get("KVK_API_URL")
    if url:
        return KvkApiVerifier(
            str(url),
            str(config.get("KVK_API_KEY") or ""),
            timeout=float(config.get("KVK_API_TIMEOUT") or DEFAULT_TIMEOUT_SECONDS),
        )
    return None


def verify_organisation(
    session: Session, *, organisation: Organisation, verifier: KvkVerifier | None, now: datetime
) -> None:
    """Ask the verifier about the organisation's KvK number and record its verdict."""
    if verifier is None:
        return
    verdict = verifier.verify(organisation.kvk_number)
    organisation.kvk_status = verdict.status
    organisation.kvk_note = verdict.note[:200]
    organisation.kvk_checked_at = now
    session.flush()
    audit.record(
        session,
        actor=None,
        actor_label="KvK-controle",
        action="organisation.kvk_checked",
        object_type="organisation",
        object_id=organisation.id,
        now=now,
        details={
            "kvk": organisation.kvk_number,
            "uitkomst": str(verdict.status),
            "reden": verdict.note,
        },
    )


def unverified_bidders(session: Session, tender: Tender) -> list[Organisation]:
    """Organisations with a received bid whose KvK number is not verified.

    Names bidders: only for after the opening (the caller checks the seal).
    """
    return list(
        session.scalars(
            select(Organisation)
            .join(Bid, Bid.organisation_id == Organisation.id)
            .where(
                Bid.tender_id == tender.id,
                Bid.status == BidStatus.SUBMITTED,
                Organisation.kvk_status != KvkStatus.VERIFIED,
            )
            .order_by(Organisation.name)
        )
    )
