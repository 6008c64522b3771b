"""Python's cyclic garbage collector, paused around work that makes many objects at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Run the block without the cyclic garbage collector.

    A block that makes ~10^5 container objects that live until it ends (an unpickled
    outcome, the cells of a spreadsheet) sets off collections that each walk the whole
    heap of the worker, which in a web worker is most of the block's time. What such a
    block leaves as cycles is collected after it, once the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
