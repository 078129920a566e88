"""Handing freed heap memory back to the operating system after a stage's big transient work.

CPython returns freed objects to glibc's malloc, which keeps the free pages in its arenas (one per thread
that allocated, several per core): a tick that fetched, parsed and matched a burst of releases, or the first
load of every subscription, leaves the process's RSS at its high-water mark although the objects are gone.
``malloc_trim(0)`` gives the free pages of every arena back (glibc 2.8 and later); on other C libraries
this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable
from functools import cache

logger = logging.getLogger(__name__)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        trim = None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return malloc's free pages to the operating system; whether the C library could (a blocking call
    of a few milliseconds: run it off the event loop)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    released = bool(trim(0))
    logger.debug("memory_trimmed released=%s", released)
    return True
