"""Pausing Python's cyclic garbage collector during bulk construction (private).

Building a million-link graph allocates millions of small dicts; each allocation burst makes the
collector scan every live container, which costs several times the construction itself. None of
these objects form reference cycles that need collecting while we build, so the collector is
paused for the duration (and restored as it was).
"""

import gc
from contextlib import contextmanager


@contextmanager
def paused_gc():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
