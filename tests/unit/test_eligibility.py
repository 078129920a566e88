"""The alert rules as pure functions, without a database: eligibility of matches, and which story an item
joins."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from feeds.clustering import Known, pick_story
from feeds.eligibility import ItemFacts, SubscriptionFacts, eligible_alerts
from feeds.values import MatchRecord
from feeds.volume import ChatVolume, HoldKind, QuietWindow, SubscriptionVolume
from tests.fixtures_db import new_item

T = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
M = MatchRecord(1, 5, 10)
ITEMS = {1: ItemFacts(story_id=1, first_seen_at=T), 2: ItemFacts(story_id=1, first_seen_at=T)}
INSTANT = ChatVolume()
DIGEST_AT_NINE = ChatVolume(digest=(time(9, 0),))
QUIET_NOW = ChatVolume(quiet=QuietWindow(time(7, 0), time(10, 0)))


def facts(
    chat_id: int, created_at: datetime, chat: ChatVolume = INSTANT, volume: SubscriptionVolume | None = None
) -> SubscriptionFacts:
    return SubscriptionFacts(chat_id, created_at, chat, volume or SubscriptionVolume())


@pytest.mark.parametrize(
    ("sub", "match", "alerts"),
    [
        pytest.param(facts(10, T - timedelta(minutes=1)), M, 1, id="older-sub"),
        pytest.param(facts(10, T), M, 0, id="same-instant-is-not-new"),
        pytest.param(facts(10, T + timedelta(seconds=1)), M, 0, id="newer-sub"),
        pytest.param(facts(11, T - HOUR), M, 0, id="other-chat"),
        pytest.param(None, M, 0, id="sub-gone-or-chat-paused"),
        pytest.param(facts(10, T - HOUR), MatchRecord(9, 5, 10), 0, id="item-gone"),
        pytest.param(facts(10, T - HOUR, volume=SubscriptionVolume(mute_until=T + HOUR)), M, 0, id="muted"),
        pytest.param(facts(10, T - HOUR, volume=SubscriptionVolume(mute_until=T)), M, 1, id="mute-ended"),
    ],
)
def test_eligibility(sub: SubscriptionFacts | None, match: MatchRecord, alerts: int) -> None:
    subs = {} if sub is None else {5: sub}
    assert len(eligible_alerts([match], ITEMS, subs, T)) == alerts


@pytest.mark.parametrize(
    ("chat", "volume", "kind", "not_before"),
    [
        pytest.param(INSTANT, SubscriptionVolume(), HoldKind.INSTANT, None, id="instant"),
        pytest.param(DIGEST_AT_NINE, SubscriptionVolume(), HoldKind.DIGEST, T + HOUR, id="chat-digest"),
        pytest.param(DIGEST_AT_NINE, SubscriptionVolume(digest=()), HoldKind.INSTANT, None, id="sub-instant"),
        pytest.param(QUIET_NOW, SubscriptionVolume(), HoldKind.QUIET, T + 2 * HOUR, id="quiet-hours"),
    ],
)
def test_each_alert_carries_its_hold(
    chat: ChatVolume, volume: SubscriptionVolume, kind: HoldKind, not_before: datetime | None
) -> None:
    [alert] = eligible_alerts([M], ITEMS, {5: facts(10, T - HOUR, chat, volume)}, T)
    assert (alert.hold.kind, alert.hold.not_before) == (kind, not_before)


def test_one_alert_per_chat_and_story_first_match_wins() -> None:
    subs = {5: facts(10, T - HOUR), 6: facts(10, T - HOUR)}
    matches = [MatchRecord(2, 6, 10), MatchRecord(1, 6, 10), MatchRecord(1, 5, 10)]
    [alert] = eligible_alerts(matches, ITEMS, subs, T)
    assert (alert.chat_id, alert.story_id, alert.match) == (10, 1, MatchRecord(1, 5, 10))


def test_of_several_subscriptions_the_earliest_hold_wins() -> None:
    digest = SubscriptionVolume(digest=(time(9, 0),))
    subs = {
        5: facts(10, T - HOUR, volume=digest),
        6: facts(10, T - HOUR),
        7: facts(10, T - HOUR, volume=digest),
    }
    matches = [MatchRecord(1, 5, 10), MatchRecord(1, 6, 10), MatchRecord(1, 7, 10)]
    [alert] = eligible_alerts(matches, ITEMS, subs, T)
    assert (alert.match.subscription_id, alert.hold.kind) == (6, HoldKind.INSTANT)


def test_a_muted_subscription_leaves_the_story_to_another() -> None:
    muted = SubscriptionVolume(mute_until=T + HOUR)
    subs = {5: facts(10, T - HOUR, volume=muted), 6: facts(10, T - HOUR, DIGEST_AT_NINE)}
    [alert] = eligible_alerts([MatchRecord(1, 5, 10), MatchRecord(1, 6, 10)], ITEMS, subs, T)
    assert (alert.match.subscription_id, alert.hold.kind) == (6, HoldKind.DIGEST)


def test_an_item_joins_the_same_link_before_a_same_title_story() -> None:
    window = timedelta(hours=72)
    item = new_item("x", link="https://example.com/a", seen=T)
    by_title = Known(7, "https://other.example.com/b", item.title_fingerprint, item.body_fingerprint, T)
    by_link = Known(9, "https://example.com/a", "different", "0", T)
    assert pick_story(item, [by_title, by_link], window) == 9
    assert pick_story(item, [by_title], window) == 7
    too_old = Known(3, "https://example.com/a", "x", "0", T - window - timedelta(seconds=1))
    assert pick_story(item, [too_old], window) is None
