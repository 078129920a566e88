"""The in-memory fake and the real store offer every call of the ports the fake implements (``Ports``),
with the ports' parameters. ``make typecheck`` does not read ``tests/``, so this is checked here: a method
added to one of these ports fails until the fake has it too."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

from storage.store import Store
from tests.contracts.conftest import Ports
from tests.fakes.memory_store import MemoryStore

CALLS = sorted(
    name
    for base in Ports.__mro__
    if base.__module__.endswith(".ports")
    for name in vars(base)
    if not name.startswith("_")
)


def parameters(function: Callable[..., object]) -> list[tuple[str, object, bool]]:
    """Name, kind and whether it has a default, of each parameter but ``self``."""
    signature = inspect.signature(function)
    return [
        (p.name, p.kind, p.default is not inspect.Parameter.empty)
        for p in signature.parameters.values()
        if p.name != "self"
    ]


def port_of(name: str) -> Callable[..., object]:
    return next(vars(base)[name] for base in Ports.__mro__ if name in vars(base))


def test_the_faked_ports_are_not_empty() -> None:
    assert {"claim_alerts", "record_matches", "set_mute", "touch_chat", "get_delivery"} <= set(CALLS)


@pytest.mark.parametrize("store", [MemoryStore, Store], ids=["memory", "real"])
@pytest.mark.parametrize("name", CALLS)
def test_every_call_of_the_ports_is_there_with_their_parameters(store: type, name: str) -> None:
    assert parameters(getattr(store, name)) == parameters(port_of(name))
