"""The one clock of the application.

Every rule that depends on time is handed ``now`` explicitly; views take it from
here. Tests replace the source with ``set_clock`` to stand one second before a
deadline, or exactly on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return _source()


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (``None`` restores the system clock)."""
    global _source
    _source = source if source is not None else (lambda: datetime.now(UTC))
