"""Pacing with hand-written clocks (sleeping advances time): the right number of sends per window."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any

import pytest

from bot.pipeline.pacing import CHAIN_PRIORITY_CAP, Bucket, Pacer
from feeds.models import ChatKind


class FakeClock:
    """Time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def make_pacer(clock: FakeClock, **limits: float) -> Pacer:
    return Pacer(clock=clock, sleep=clock.sleep, chat_margin=0.0, **limits)  # type: ignore[arg-type]


async def send_times(pacer: Pacer, clock: FakeClock, chats: list[tuple[int, ChatKind]]) -> list[float]:
    """Acquire once per entry, in order; the clock reading (relative to start) at each send."""
    start = clock.now
    times = []
    for chat_id, kind in chats:
        await pacer.acquire(chat_id, kind)
        times.append(round(clock.now - start, 6))
    return times


def max_in_window(times: list[float], window: float) -> int:
    """Most sends inside any half-open window of this length."""
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


@pytest.mark.parametrize(
    ("kind", "count", "expected"),
    [
        pytest.param(ChatKind.PRIVATE, 6, [0, 0, 0, 1, 2, 3], id="private-burst-3-then-1-per-second"),
        pytest.param(ChatKind.GROUP, 4, [0, 3, 6, 9], id="group-evenly-3s-apart"),
        pytest.param(ChatKind.SUPERGROUP, 3, [0, 3, 6], id="supergroup-like-group"),
        pytest.param(ChatKind.CHANNEL, 2, [0, 3], id="channel-like-group"),
    ],
)
async def test_one_chat_is_paced_by_its_kind(kind: ChatKind, count: int, expected: list[float]) -> None:
    clock = FakeClock()
    times = await send_times(make_pacer(clock, global_per_second=1e9), clock, [(7, kind)] * count)
    assert times == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(
    ("limits", "window", "allowed"),
    [
        pytest.param({}, 60.0, 20, id="group-20-per-minute"),
        pytest.param({"group_per_minute": 6}, 60.0, 6, id="group-configured-6-per-minute"),
        pytest.param({"group_per_minute": 60, "group_burst": 5}, 1.0, 5, id="group-burst-configurable"),
    ],
)
async def test_group_sends_per_window(limits: dict[str, float], window: float, allowed: int) -> None:
    clock = FakeClock()
    times = await send_times(make_pacer(clock, **limits), clock, [(-5, ChatKind.GROUP)] * 50)
    assert max_in_window(times, window) == allowed


@pytest.mark.parametrize(
    ("limits", "allowed"),
    [
        pytest.param({}, 28, id="default-28-per-second"),
        pytest.param({"global_per_second": 25}, 25, id="configured-25-per-second"),
        pytest.param({"global_per_second": 10}, 10, id="configured-10-per-second"),
    ],
)
async def test_global_bucket_caps_all_chats_together(limits: dict[str, float], allowed: int) -> None:
    clock = FakeClock()
    chats = [(chat, ChatKind.PRIVATE) for chat in range(1, 201)]
    times = await send_times(make_pacer(clock, **limits), clock, chats)
    assert max_in_window(times, 0.999) == allowed  # just under 1 s: float sums land a hair early


async def test_private_rate_and_burst_are_configurable() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, private_per_second=2.0, private_burst=1)
    times = await send_times(pacer, clock, [(9, ChatKind.PRIVATE)] * 4)
    assert times == pytest.approx([0, 0.5, 1.0, 1.5])


async def test_chat_margin_spaces_sends_a_little_more() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, chat_margin=0.1, private_burst=1)
    times = await send_times(pacer, clock, [(9, ChatKind.PRIVATE)] * 3)
    assert times == pytest.approx([0, 1.1, 2.2])


@pytest.mark.parametrize(
    ("penalized", "chat_time", "other_time"),
    [
        pytest.param(1, 5.0, 0.0, id="chat-penalty-holds-only-that-chat"),
        pytest.param(None, 5.0, 5.0, id="global-penalty-holds-everyone"),
    ],
)
async def test_penalize_after_429(penalized: int | None, chat_time: float, other_time: float) -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, global_per_second=1e9)
    await pacer.acquire(1, ChatKind.PRIVATE)
    pacer.penalize(penalized, 5.0)
    start = clock.now
    await pacer.acquire(2, ChatKind.PRIVATE)
    other = clock.now - start
    await pacer.acquire(1, ChatKind.PRIVATE)
    assert (clock.now - start, other) == pytest.approx((chat_time, other_time), abs=1e-3)


class VirtualClock:
    """Virtual time for concurrent sleepers: time jumps to the earliest wake-up once everyone is waiting."""

    def __init__(self, lateness: tuple[float, ...] = (0.0,)) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._lateness = itertools.cycle(lateness)  # a busy event loop wakes sleepers late, unevenly

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds + next(self._lateness), id(future), future))
        await future

    async def run(self, *coros: Coroutine[Any, Any, None]) -> None:
        tasks = [asyncio.ensure_future(c) for c in coros]
        while not all(t.done() for t in tasks):
            for _ in range(5):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._sleepers:
                self.now, _, future = heapq.heappop(self._sleepers)
                future.set_result(None)
        await asyncio.gather(*tasks)


@pytest.mark.parametrize(
    ("kinds", "rate", "window", "allowed"),
    [
        pytest.param([ChatKind.PRIVATE] * 40, 10, 0.999, 10, id="40-private-chats-at-10-per-second"),
        pytest.param([ChatKind.PRIVATE, ChatKind.GROUP] * 20, 28, 0.999, 28, id="mixed-chats-at-28"),
    ],
)
async def test_concurrent_chats_share_the_global_bucket(
    kinds: list[ChatKind], rate: float, window: float, allowed: int
) -> None:
    """Many chats (each with three messages) waiting at once get the global slots; none lost, cap held."""
    clock = VirtualClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, global_per_second=rate, chat_margin=0.0)
    times: list[tuple[float, int]] = []

    async def one(chat_id: int, kind: ChatKind) -> None:
        for _ in range(3):
            await pacer.acquire(chat_id, kind)
            times.append((clock.now, chat_id))

    await clock.run(
        *(one(chat if kind is ChatKind.PRIVATE else -chat, kind) for chat, kind in enumerate(kinds, 1))
    )
    assert len(times) == 3 * len(kinds)
    assert max_in_window([t for t, _ in times], window) == allowed
    for chat_id in {c for _, c in times if c < 0}:
        group_times = [t for t, c in times if c == chat_id]
        assert min(b - a for a, b in itertools.pairwise(group_times)) >= 3.0 - 1e-9


@pytest.mark.parametrize(
    "lateness",
    [
        pytest.param((0.0, 0.0, 0.3), id="every-third-wakes-300ms-late"),
        pytest.param((0.5, 0.0, 0.0, 0.0, 0.1), id="uneven-stalls"),
    ],
)
async def test_late_wakeups_never_bunch_more_than_the_cap_into_one_second(
    lateness: tuple[float, ...],
) -> None:
    clock = VirtualClock(lateness)
    pacer = Pacer(clock=clock, sleep=clock.sleep, chat_margin=0.0)
    times: list[float] = []

    async def one(chat_id: int) -> None:
        for _ in range(2):
            await pacer.acquire(chat_id, ChatKind.PRIVATE)
            times.append(clock.now)

    await clock.run(*(one(chat) for chat in range(1, 151)))
    assert len(times) == 300
    assert max_in_window(sorted(times), 0.999) <= 29


@pytest.mark.parametrize(
    ("use_slot", "third_at"),
    [
        pytest.param(True, 5 / 3, id="slow-send-in-slot-counts-until-answered"),
        pytest.param(False, 4 / 3, id="plain-acquire-counts-at-start"),
    ],
)
async def test_a_send_in_flight_counts_in_the_window(use_slot: bool, third_at: float) -> None:
    clock = VirtualClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, global_per_second=1.5, chat_margin=0.0)  # 2 per window
    started: dict[int, float] = {}

    async def slow(chat_id: int) -> None:
        if use_slot:
            async with pacer.slot(chat_id, ChatKind.PRIVATE):
                await clock.sleep(5.0)  # a request that takes 5 s to be answered
        else:
            await pacer.acquire(chat_id, ChatKind.PRIVATE)
            await clock.sleep(5.0)

    async def quick(chat_id: int, delay: float) -> None:
        await clock.sleep(delay)
        async with pacer.slot(chat_id, ChatKind.PRIVATE):
            started[chat_id] = clock.now

    await clock.run(slow(1), quick(2, 0.1), quick(3, 0.2))
    assert started == pytest.approx({2: 2 / 3, 3: third_at}, abs=1e-3)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param([0, 0, 0, 0, 0], [0, 0, 0, 1, 2], id="instant-answers-burst-3-then-1-per-second"),
        pytest.param([0.6, 0, 0, 0, 0], [0, 0.6, 0.6, 1.6, 2.6], id="slow-first-answer-spaces-from-it"),
    ],
)
async def test_a_chat_is_spaced_from_its_answers(answers: list[float], expected: list[float]) -> None:
    """Telegram counts a message when it arrives, at the latest when it is answered: after a slow first
    request (0.6 s) the fourth leaves a full interval after that answer, not after the first's start (the
    two would arrive 0.4 s apart and Telegram would answer 429)."""
    clock = FakeClock()
    pacer = make_pacer(clock, global_per_second=1e6)  # the chat's own window alone
    started = []
    for answer_after in answers:
        async with pacer.slot(7, ChatKind.PRIVATE):
            started.append(round(clock.now - 1000.0, 3))
            await clock.sleep(answer_after)
    assert started == expected


@pytest.mark.parametrize(
    ("per_second", "burst", "margin"),
    [
        pytest.param(0.0, 1, 0.0, id="zero-rate"),
        pytest.param(1.0, 0, 0.0, id="zero-burst"),
        pytest.param(1.0, 1, -1.0, id="negative-margin"),
    ],
)
def test_bucket_rejects_nonsense(per_second: float, burst: int, margin: float) -> None:
    with pytest.raises(ValueError):
        Bucket(per_second, burst, margin)


async def test_the_longest_chain_ahead_gets_the_global_slot_first() -> None:
    """Seven private chats with one alert each and a group with four queue at once for a slot a second:
    the group (9 s of its own windows ahead) goes first, the private chats keep their order; the group's
    second alert (6 s ahead, ready at 4.05) overtakes those queued at 0, its third (3 s ahead, ready at
    8.05) does not. (Ready times off the slot grid: a tie would be decided by the clock's wake order.)"""
    clock = VirtualClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, global_per_second=1, chat_margin=0.05)
    sends: list[tuple[float, int]] = []

    async def chat(chat_id: int, kind: ChatKind, messages: int) -> None:
        for left in range(messages, 0, -1):
            await pacer.acquire(chat_id, kind, left)
            sends.append((round(clock.now, 6), chat_id))

    await pacer.acquire(99, ChatKind.PRIVATE)  # the slot at 0 is taken: the others queue
    await clock.run(*(chat(n, ChatKind.PRIVATE, 1) for n in range(1, 8)), chat(-1, ChatKind.GROUP, 4))
    assert sends == [
        (1, -1), (2, 1), (3, 2), (4, 3), (5, -1), (6, 4), (7, 5), (8, 6), (9, 7), (10, -1), (13.05, -1)
    ]  # fmt: skip


async def test_a_waiter_is_overtaken_only_by_chats_queued_less_than_the_cap_after_it() -> None:
    """One slot per 20 s: a private chat queued at 0 goes after a long group chain queued 5 s later, but
    before one queued 11 s later (the chain counts for at most ``CHAIN_PRIORITY_CAP`` = 10 s)."""
    assert CHAIN_PRIORITY_CAP == 10.0
    clock = VirtualClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, global_per_second=0.05, chat_margin=0.0)
    sends: dict[int, float] = {}

    async def chat(chat_id: int, kind: ChatKind, at: float, messages: int) -> None:
        if at:
            await clock.sleep(at)
        await pacer.acquire(chat_id, kind, messages)
        sends[chat_id] = clock.now

    await clock.run(
        chat(1, ChatKind.PRIVATE, 0, 1),  # takes the first slot at once
        chat(2, ChatKind.PRIVATE, 0, 1),
        chat(-3, ChatKind.GROUP, 5, 5),  # 12 s of windows ahead, counted as 10
        chat(-4, ChatKind.GROUP, 11, 5),
    )
    assert sends == {1: 0, -3: 20, 2: 40, -4: 60}


async def test_a_chat_waiting_out_its_own_window_counts_as_resting() -> None:
    clock = VirtualClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, chat_margin=0.0)
    seen: list[int] = []

    async def group() -> None:
        for _ in range(2):
            await pacer.acquire(-1, ChatKind.GROUP)

    async def watch() -> None:
        await clock.sleep(1.0)  # the group's second alert waits for 3 s
        seen.append(pacer.resting)
        await clock.sleep(3.0)
        seen.append(pacer.resting)

    await clock.run(group(), watch())
    assert seen == [1, 0]
