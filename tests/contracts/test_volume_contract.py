"""Contract: holds and mutes — digests, quiet hours, per-subscription schedules, mutes, and the re-hold
every setter does (``VolumeStore``, ``OutboxStore.due_digests`` / ``claim_digest``)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from feeds.models import Item
from feeds.values import DueDigest, MatchRecord
from feeds.volume import ChatVolume, QuietWindow, SubscriptionVolume
from tests.contracts.conftest import T0, WINDOW, Ports, chat_with_subscription, feed, release

SHANGHAI = ZoneInfo("Asia/Shanghai")
SLOT = datetime(2026, 1, 27, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai on T0's day
LATER = T0 + timedelta(minutes=10)


def arrive(ports: Ports, sub: int, *identities: str, chat_id: int = 5) -> list[Item]:
    items = ports.add_items(feed(ports), [release(i) for i in identities], WINDOW)
    ports.record_matches([i.id for i in items], [MatchRecord(i.id, sub, chat_id) for i in items], T0)
    return items


def test_defaults_and_unknown_chats(ports: Ports) -> None:
    assert ports.chat_volume(404) == ChatVolume(ZoneInfo("UTC"))
    with pytest.raises(LookupError):
        ports.set_timezone(404, SHANGHAI, T0)
    sub = chat_with_subscription(ports, 5)
    assert ports.subscription_volumes(5) == {sub: SubscriptionVolume()}


def test_a_digest_holds_alerts_until_its_slot_and_is_claimed_once(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    assert ports.set_timezone(5, SHANGHAI, T0) == 0
    assert ports.set_chat_digest(5, (time(20),), T0) == 0
    assert ports.chat_volume(5) == ChatVolume(SHANGHAI, (time(20),))
    arrive(ports, sub, "1", "2")
    assert ports.pending_alerts(LATER, 10) == []
    assert ports.due_digests(SLOT - timedelta(seconds=1), 10) == []
    assert ports.due_digests(SLOT, 10) == [DueDigest(5, SLOT)]
    rows = ports.claim_digest("w1", 5, SLOT, SLOT, SLOT + timedelta(minutes=1))
    assert [(a.kind, a.digest_slot) for a in rows] == [("digest", SLOT), ("digest", SLOT)]
    assert ports.claim_digest("w2", 5, SLOT, SLOT, SLOT + timedelta(minutes=1)) == []
    assert ports.mark_sent([a.delivery_id for a in rows], SLOT, "w1") == 2
    assert ports.volume_counts(5, SLOT) == ports.volume_counts(5, SLOT + timedelta(hours=1))
    assert ports.volume_counts(5, SLOT).sent_24h == 2 and ports.volume_counts(5, SLOT).waiting == 0


def test_a_new_schedule_moves_waiting_alerts_and_none_releases_them(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    ports.set_chat_digest(5, (time(20),), T0)
    arrive(ports, sub, "1")
    assert ports.set_chat_digest(5, (time(10),), LATER) == 1
    assert ports.due_digests(T0 + timedelta(hours=1), 10) == [DueDigest(5, T0 + timedelta(hours=1))]
    assert ports.set_chat_digest(5, (), LATER) == 1
    assert [a.kind for a in ports.pending_alerts(LATER, 10)] == ["instant"]
    assert ports.volume_counts(5, LATER).waiting == 1


def test_quiet_hours_hold_and_quiet_off_releases(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    ports.set_quiet(5, QuietWindow(time(8), time(10)), T0)
    arrive(ports, sub, "1")
    assert ports.pending_alerts(LATER, 10) == []
    [held] = ports.pending_alerts(T0 + timedelta(hours=1), 10)
    assert held.kind == "quiet"
    assert ports.set_quiet(5, None, LATER) == 1
    assert [a.kind for a in ports.pending_alerts(LATER, 10)] == ["instant"]


def test_a_subscriptions_own_schedule_beats_the_chats(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    ports.set_chat_digest(5, (time(20),), T0)
    assert ports.set_subscription_digest(5, [sub, 999], (), T0) == [sub]
    assert ports.subscription_volumes(5) == {sub: SubscriptionVolume(())}
    arrive(ports, sub, "1")
    assert [a.kind for a in ports.pending_alerts(LATER, 10)] == ["instant"]
    assert ports.set_subscription_digest(6, [sub], None, T0) == []


def test_the_earliest_hold_wins_a_story_two_subscriptions_match(ports: Ports) -> None:
    digest = chat_with_subscription(ports, 5, "ferry")
    instant = ports.add_subscription(5, "harbor", T0 - timedelta(hours=1)).id
    ports.set_subscription_digest(5, [digest], (time(20),), T0)
    [item] = ports.add_items(feed(ports), [release("1")], WINDOW)
    matches = [MatchRecord(item.id, digest, 5), MatchRecord(item.id, instant, 5)]
    assert ports.record_matches([item.id], matches, T0) == 1
    [alert] = ports.pending_alerts(LATER, 10)
    assert (alert.subscription_id, alert.kind) == (instant, "instant")


def test_a_mute_cancels_what_waits_and_drops_new_matches_until_it_ends(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    arrive(ports, sub, "1")
    assert not ports.set_mute(6, sub, T0 + timedelta(hours=1), T0)
    assert ports.set_mute(5, sub, T0 + timedelta(hours=1), T0)
    assert ports.count_pending(5) == 0
    assert ports.subscription_volumes(5)[sub].mute_until == T0 + timedelta(hours=1)
    arrive(ports, sub, "2")
    assert ports.count_pending(5) == 0
    assert ports.set_mute(5, sub, None, T0)
    arrive(ports, sub, "3")
    assert ports.count_pending(5) == 1
