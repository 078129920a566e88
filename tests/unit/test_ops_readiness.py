"""The readiness tracker with a fake clock: grace of three periods, beats, undeclared roles."""

from __future__ import annotations

import pytest

from bot.ops.readiness import LateRole, Readiness


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("elapsed", "late"),
    [(0.0, []), (30.0, []), (30.5, [LateRole("fetch", 30.5, 30.0)])],
    ids=["fresh", "exactly-three-periods", "past-three-periods"],
)
def test_a_role_is_late_after_three_periods(elapsed: float, late: list[LateRole]) -> None:
    clock = Clock()
    readiness = Readiness(clock)
    readiness.declare("fetch", 10)
    clock.now += elapsed
    assert readiness.late() == late


def test_a_beat_resets_the_grace() -> None:
    clock = Clock()
    readiness = Readiness(clock)
    readiness.declare("bot", 5)
    clock.now = 14
    readiness.beat("bot")
    clock.now = 28
    assert readiness.late() == []
    assert readiness.roles == ("bot",)


def test_undeclared_roles_and_bad_periods_are_errors() -> None:
    readiness = Readiness(Clock())
    with pytest.raises(KeyError):
        readiness.beat("match")
    with pytest.raises(ValueError, match="positive"):
        readiness.declare("match", 0)
