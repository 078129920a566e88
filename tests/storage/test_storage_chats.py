"""Chats and subscriptions on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from feeds.models import Chat, ChatKind, Subscription
from storage.store import DuplicateSubscriptionError, Store
from tests.fixtures_db import T0


def test_touch_creates_then_refreshes(store: Store) -> None:
    assert store.get_chat(42) is None
    assert store.touch_chat(42, ChatKind.PRIVATE) == Chat(42, ChatKind.PRIVATE, active=True, paused=False)
    store.set_paused(42, True)
    assert store.touch_chat(42, ChatKind.PRIVATE) == Chat(42, ChatKind.PRIVATE, active=True, paused=True)
    big = -1_001_234_567_890  # supergroup ids exceed 32 bits
    assert store.touch_chat(big, ChatKind.SUPERGROUP).id == big
    assert store.get_chat(big) == Chat(big, ChatKind.SUPERGROUP)


def test_subscriptions_crud(store: Store) -> None:
    store.touch_chat(7, ChatKind.PRIVATE)
    store.touch_chat(8, ChatKind.GROUP)
    a = store.add_subscription(7, "solar AND ferry", T0)
    b = store.add_subscription(7, "滨州", T0 + timedelta(seconds=1))
    c = store.add_subscription(8, "solar AND ferry", T0)
    assert a == Subscription(a.id, 7, "solar AND ferry", T0)
    assert store.list_subscriptions(7) == [a, b]
    assert store.all_subscriptions() == [a, b, c]
    assert (store.count_subscriptions(7), store.count_subscriptions(8), store.count_subscriptions(9)) == (
        2,
        1,
        0,
    )
    assert store.remove_subscription(8, a.id) is None  # not that chat's
    assert store.remove_subscription(7, a.id) == a
    assert store.remove_subscription(7, a.id) is None
    assert store.remove_subscription_by_query(7, "  滨州 ") == b
    assert store.remove_subscription_by_query(7, "滨州") is None
    assert store.all_subscriptions() == [c]


DUPLICATES = [
    pytest.param("solar ferry", "solar ferry", True, id="same-text"),
    pytest.param("solar ferry", "  solar \t\n ferry ", True, id="whitespace-collapsed"),
    pytest.param("solar ferry", "Solar ferry", False, id="case-differs"),
    pytest.param("solar ferry", "solarferry", False, id="space-removed-differs"),
    pytest.param("solar OR ferry", "ferry OR solar", False, id="reordered-differs"),
]


@pytest.mark.parametrize(("first", "second", "duplicate"), DUPLICATES)
def test_duplicate_subscription(store: Store, first: str, second: str, duplicate: bool) -> None:
    store.touch_chat(7, ChatKind.PRIVATE)
    existing = store.add_subscription(7, first, T0)
    if duplicate:
        with pytest.raises(DuplicateSubscriptionError) as raised:
            store.add_subscription(7, second, T0 + timedelta(minutes=1))
        assert raised.value.existing == existing
        assert store.count_subscriptions(7) == 1
    else:
        assert store.add_subscription(7, second, T0).query == second


def test_subscription_needs_a_known_chat(store: Store) -> None:
    with pytest.raises(LookupError, match="touch_chat"):
        store.add_subscription(404, "solar", T0)
    store.touch_chat(404, ChatKind.PRIVATE)
    assert store.add_subscription(404, "solar", T0).chat_id == 404
