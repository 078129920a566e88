"""The one wiring path: ``build_stages`` makes the stages of exactly the roles asked for, wired together."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.entry.runtime import Runtime, open_runtime
from bot.entry.stages import Outlet, build_stages, make_pacer
from bot.ops.readiness import Readiness
from bot.pipeline.transport import ConsoleTransport
from bot.settings import DatabaseSettings, Settings
from feeds.models import ChatKind


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = Settings(database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'stages.db'}"))
    async with open_runtime(settings, use_processes=False) as opened:
        yield opened


def console_outlet(runtime: Runtime) -> Outlet:
    return Outlet(ConsoleTransport(io.StringIO()), make_pacer(runtime.settings.delivery), (ChatKind.CONSOLE,))


@pytest.mark.parametrize(
    ("roles", "built"),
    [
        ({"fetch"}, {"fetch"}),
        ({"fetch", "match"}, {"fetch", "match"}),
        ({"match", "deliver"}, {"match", "sender", "spikes", "notices"}),
        ({"fetch", "match", "deliver"}, {"fetch", "match", "sender", "spikes", "notices"}),
    ],
    ids=["fetch", "poll", "match-deliver", "console"],
)
async def test_only_the_roles_asked_for_are_built(runtime: Runtime, roles: set[str], built: set[str]) -> None:
    stages = build_stages(runtime, roles, console_outlet(runtime))
    present = {name for name in ("fetch", "match", "sender", "spikes", "notices") if getattr(stages, name)}
    assert present == built
    jobs = {job.id for job in stages.scheduler.get_jobs()}
    assert ("retention" in jobs) == ("fetch" in roles)
    assert ("pause_notices" in jobs) == ("deliver" in roles)


async def test_the_stages_wake_each_other(runtime: Runtime) -> None:
    stages = build_stages(runtime, {"fetch", "match", "deliver"}, console_outlet(runtime))
    assert stages.fetch is not None and stages.match is not None and stages.sender is not None
    assert stages.fetch._on_new_items == stages.match.wake
    assert stages.match._on_enqueued == stages.sender.wake
    assert stages.spikes is not None and runtime.spikes.on_queued == stages.spikes.wake


async def test_deliver_needs_an_outlet(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="outlet"):
        build_stages(runtime, {"deliver"}, None)


async def test_readiness_lists_the_roles_built(runtime: Runtime) -> None:
    readiness = Readiness()
    build_stages(runtime, {"fetch", "match", "bot"}, None, readiness=readiness)
    assert readiness.roles == ("match", "fetch"), "bot without a front end is not declared"
