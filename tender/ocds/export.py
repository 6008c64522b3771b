"""The OCDS release package of a tender, from the database, and its JSON bytes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tender.config import DEFAULTS
from tender.ocds import mapping
from tender.ocds.source import read_source
from tender.tenders.models import Tender


def release_package(
    session: Session, tender: Tender, *, published: datetime, prefix: str = DEFAULTS["OCDS_PREFIX"]
) -> dict[str, Any]:
    """The OCDS 1.1 release package of ``tender`` with every stage up to ``published``."""
    return mapping.package(read_source(session, tender), prefix=prefix, published=published)


def package_json(package: dict[str, Any]) -> bytes:
    """The package as UTF-8 JSON in a fixed layout: the same package, the same bytes."""
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def filename(tender: Tender) -> str:
    return f"{tender.reference}-ocds.json"
