"""The one policy for blocking work called from the event loop (synchronous store calls, chart drawing).

Every such call goes through ``off_loop``: it runs in one process-wide thread pool, so the loop keeps
answering chats while the database works, and the number of threads touching the database stays bounded
(SQLite serializes writers anyway; PostgreSQL connections come from the engine's pool of the same size).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

STORE_THREADS = 4


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=STORE_THREADS, thread_name_prefix="store")


async def off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn(*args, **kwargs)`` in the store thread pool and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), functools.partial(fn, *args, **kwargs))
