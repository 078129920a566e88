"""The alert rules as pure functions, without a database: eligibility of matches, and which story an item
joins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feeds.clustering import Known, pick_story
from feeds.eligibility import ItemFacts, SubscriptionFacts, eligible_alerts
from feeds.values import MatchRecord
from tests.fixtures_db import new_item

T = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
M = MatchRecord(1, 5, 10)
ITEMS = {1: ItemFacts(story_id=1, first_seen_at=T), 2: ItemFacts(story_id=1, first_seen_at=T)}


@pytest.mark.parametrize(
    ("sub", "match", "alerts"),
    [
        pytest.param(SubscriptionFacts(10, T - timedelta(minutes=1)), M, 1, id="older-sub"),
        pytest.param(SubscriptionFacts(10, T), M, 0, id="same-instant-is-not-new"),
        pytest.param(SubscriptionFacts(10, T + timedelta(seconds=1)), M, 0, id="newer-sub"),
        pytest.param(SubscriptionFacts(11, T - HOUR), M, 0, id="other-chat"),
        pytest.param(None, M, 0, id="sub-gone-or-chat-paused"),
        pytest.param(SubscriptionFacts(10, T - HOUR), MatchRecord(9, 5, 10), 0, id="item-gone"),
    ],
)
def test_eligibility(sub: SubscriptionFacts | None, match: MatchRecord, alerts: int) -> None:
    subs = {} if sub is None else {5: sub}
    assert len(eligible_alerts([match], ITEMS, subs)) == alerts


def test_one_alert_per_chat_and_story_first_match_wins() -> None:
    subs = {
        5: SubscriptionFacts(10, T - HOUR),
        6: SubscriptionFacts(10, T - HOUR),
    }
    matches = [MatchRecord(2, 6, 10), MatchRecord(1, 6, 10), MatchRecord(1, 5, 10)]
    [alert] = eligible_alerts(matches, ITEMS, subs)
    assert (alert.chat_id, alert.story_id, alert.match) == (10, 1, MatchRecord(1, 5, 10))


def test_an_item_joins_the_same_link_before_a_same_title_story() -> None:
    window = timedelta(hours=72)
    item = new_item("x", link="https://example.com/a", seen=T)
    by_title = Known(7, "https://other.example.com/b", item.title_fingerprint, item.body_fingerprint, T)
    by_link = Known(9, "https://example.com/a", "different", "0", T)
    assert pick_story(item, [by_title, by_link], window) == 9
    assert pick_story(item, [by_title], window) == 7
    too_old = Known(3, "https://example.com/a", "x", "0", T - window - timedelta(seconds=1))
    assert pick_story(item, [too_old], window) is None
