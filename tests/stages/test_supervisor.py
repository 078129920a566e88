"""The supervisor restarts a stage that ends unexpectedly and stops the process when one keeps dying."""

from __future__ import annotations

import asyncio

from bot.pipeline.supervisor import Supervisor


async def test_a_crashed_stage_is_restarted_and_keeps_working() -> None:
    stop = asyncio.Event()
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise RuntimeError("database went away")
        await stop.wait()

    supervisor = Supervisor(stop, backoff_base=0.01)
    supervisor.start("deliver", flaky)
    for _ in range(200):
        if len(runs) == 3:
            break
        await asyncio.sleep(0.01)
    assert len(runs) == 3 and not stop.is_set()
    stop.set()
    await supervisor.wait(2)
    assert supervisor.failed is None


async def test_a_stage_that_keeps_dying_stops_the_process() -> None:
    stop = asyncio.Event()
    now = [0.0]

    async def broken() -> None:
        now[0] += 1.0  # one second of fake time per life
        raise RuntimeError("bug")

    supervisor = Supervisor(stop, max_restarts=3, window=60, backoff_base=0.001, clock=lambda: now[0])
    supervisor.start("match", broken)
    await asyncio.wait_for(stop.wait(), 5)
    assert supervisor.failed == "match"
    await supervisor.wait(1)


async def test_deaths_spread_beyond_the_window_are_forgiven() -> None:
    stop = asyncio.Event()
    now = [0.0]
    lives = [0]

    async def rarely_broken() -> None:
        lives[0] += 1
        now[0] += 100.0  # each death long after the previous one
        if lives[0] > 8:
            await stop.wait()
            return
        raise RuntimeError("rare")

    supervisor = Supervisor(stop, max_restarts=2, window=60, backoff_base=0.001, clock=lambda: now[0])
    supervisor.start("fetch", rarely_broken)
    for _ in range(500):
        if lives[0] > 8:
            break
        await asyncio.sleep(0.005)
    assert lives[0] > 8 and supervisor.failed is None
    stop.set()
    await supervisor.wait(1)
