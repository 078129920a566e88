"""Contract: chats, their settings and subscriptions (``ChatStore``, ``SettingsStore``,
``SubscriptionStore``, ``MembershipStore``, ``MatchStore``'s subscription reads)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from feeds.models import ChatKind
from feeds.values import DuplicateSubscriptionError
from tests.contracts.conftest import T0, Ports, chat_with_subscription


def test_touch_creates_then_reactivates_a_chat(ports: Ports) -> None:
    assert ports.get_chat(5) is None
    chat = ports.touch_chat(5, ChatKind.GROUP)
    assert (chat.id, chat.kind, chat.active, chat.paused) == (5, ChatKind.GROUP, True, False)
    ports.set_paused(5, True)
    assert ports.deactivate_chat(5) == 0
    again = ports.touch_chat(5, ChatKind.SUPERGROUP)
    assert (again.kind, again.active, again.paused) == (ChatKind.SUPERGROUP, True, True)
    assert ports.get_chat(5) == again


def test_languages_are_kept_apart(ports: Ports) -> None:
    ports.touch_chat(5, ChatKind.PRIVATE)
    ports.set_sender_language(5, "zh-Hant")
    ports.set_chat_language(5, "en")
    chat = ports.get_chat(5)
    assert chat is not None and (chat.language, chat.sender_language) == ("en", "zh-Hant")
    ports.set_chat_language(5, None)
    chat = ports.get_chat(5)
    assert chat is not None and (chat.language, chat.sender_language) == (None, "zh-Hant")


def test_a_subscription_needs_its_chat(ports: Ports) -> None:
    with pytest.raises(LookupError):
        ports.add_subscription(404, "ferry", T0)


def test_same_query_text_is_a_duplicate_naming_the_stored_one(ports: Ports) -> None:
    ports.touch_chat(5, ChatKind.PRIVATE)
    first = ports.add_subscription(5, "solar  ferry", T0)
    with pytest.raises(DuplicateSubscriptionError) as refused:
        ports.add_subscription(5, " solar ferry\u200b", T0)
    assert refused.value.existing == first
    ports.touch_chat(6, ChatKind.PRIVATE)
    assert ports.add_subscription(6, "solar ferry", T0).id != first.id  # another chat may


def test_subscriptions_list_count_and_remove_within_their_chat(ports: Ports) -> None:
    a = chat_with_subscription(ports, 5, "ferry")
    b = ports.add_subscription(5, '"solar park"', T0).id
    other = chat_with_subscription(ports, 6, "ferry")
    assert [s.id for s in ports.list_subscriptions(5)] == [a, b]
    assert ports.count_subscriptions(5) == 2
    assert ports.remove_subscription(6, a) is None  # not that chat's
    removed = ports.remove_subscription(5, a)
    assert removed is not None and removed.query == "ferry"
    assert ports.remove_subscription(5, a) is None
    assert ports.remove_subscription_by_query(5, ' "solar   park" ') is not None
    assert ports.remove_subscription_by_query(5, "ferry") is None
    assert ports.count_subscriptions(5) == 0
    assert [s.id for s in ports.all_subscriptions()] == [other]


def test_spike_alerts_switch_only_the_chats_own(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    assert ports.set_spike_alerts(6, sub, True) is None
    switched = ports.set_spike_alerts(5, sub, True)
    assert switched is not None and switched.spike_alerts
    assert ports.list_subscriptions(5)[0].spike_alerts


def test_match_reads_of_subscriptions(ports: Ports) -> None:
    assert ports.subscriptions_signature() == (0, 0, 0, 0)
    assert ports.subscription_sizes() == {}
    a = chat_with_subscription(ports, 5)
    b = chat_with_subscription(ports, 6, "solar")
    assert ports.subscription_chats() == {a: 5, b: 6}
    assert [s.id for s in ports.subscriptions_by_ids([b, 999, a])] == [a, b]
    signature = ports.subscriptions_signature()
    sizes = ports.subscription_sizes()
    assert sizes.keys() == {a, b} and sizes[b] == len("solar")
    assert signature == (2, max(a, b), a + b, sum(sizes.values()))
    ports.remove_subscription(5, a)
    assert ports.subscriptions_signature() != signature


def test_migration_moves_subscriptions_and_settings_to_the_supergroup(ports: Ports) -> None:
    kept = chat_with_subscription(ports, -5, "ferry", ChatKind.GROUP)
    twin = ports.add_subscription(-5, "solar", T0).id
    ports.set_chat_language(-5, "zh-Hans")
    ports.set_paused(-5, True)
    ports.touch_chat(-100, ChatKind.SUPERGROUP)
    existing = ports.add_subscription(-100, "solar", T0 + timedelta(minutes=1)).id
    ports.migrate_chat(-5, -100, ChatKind.SUPERGROUP)
    assert {s.id for s in ports.list_subscriptions(-100)} == {kept, existing}
    assert twin not in ports.subscription_chats()
    old = ports.get_chat(-5)
    assert old is not None and not old.active
    new = ports.get_chat(-100)
    assert new is not None and new.kind is ChatKind.SUPERGROUP and new.active


def test_a_new_supergroup_inherits_the_groups_settings(ports: Ports) -> None:
    chat_with_subscription(ports, -5, "ferry", ChatKind.GROUP)
    ports.set_chat_language(-5, "zh-Hans")
    ports.set_paused(-5, True)
    ports.migrate_chat(-5, -100, ChatKind.SUPERGROUP)
    new = ports.get_chat(-100)
    assert new is not None and (new.language, new.paused) == ("zh-Hans", True)
    assert [s.query for s in ports.list_subscriptions(-100)] == ["ferry"]
