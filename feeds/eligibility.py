"""Which matches become alerts, and how each is held: the one rule the match stage's storage runs.

A match alerts when its subscription still exists in an active, unpaused chat (the caller passes only
those), belongs to the chat the matcher named, was created before the item was first seen ("new means
first seen after the subscription was made"), and is not muted. A chat gets one alert per story: of several
subscriptions of the chat matching one story in a batch, the one whose hold delivers first wins ("earliest
hold wins"; on a tie, the first in (item, subscription) order). The outbox's unique key keeps it one alert
per story across batches.

A feed's first successful poll (``new_on_first_poll``) queues for matching only the releases the feed itself
dates after the moment it was added; the rest is backlog and alerts no one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from feeds.models import NewItem
from feeds.values import MatchRecord
from feeds.volume import ChatVolume, Hold, HoldKind, SubscriptionVolume, decide, earliest

FIRST_POLL_SKEW = timedelta(minutes=10)
"""How far past first sight a feed's date may lie and still count as new on a first poll (clock skew)."""


def new_on_first_poll(item: NewItem, feed_added_at: datetime) -> bool:
    """On a feed's first successful poll: the feed dates ``item`` after the feed was added (and not beyond
    ``FIRST_POLL_SKEW`` after we first saw it), so it is news, not backlog. Undated items are backlog."""
    return item.dated and feed_added_at < item.published_at <= item.first_seen_at + FIRST_POLL_SKEW


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What the rule needs to know of a matched item."""

    story_id: int
    first_seen_at: datetime


@dataclass(frozen=True, slots=True)
class SubscriptionFacts:
    """What the rule needs to know of a subscription that can alert (its chat active and unpaused)."""

    chat_id: int
    created_at: datetime
    chat: ChatVolume
    volume: SubscriptionVolume


@dataclass(frozen=True, slots=True)
class Eligible:
    """One alert to enqueue, held as ``hold`` says (instant, quiet or digest; never muted)."""

    chat_id: int
    story_id: int
    match: MatchRecord
    hold: Hold


def is_new_to(match: MatchRecord, sub: SubscriptionFacts, item: ItemFacts) -> bool:
    """The matcher named the subscription's chat, and the item was first seen after the subscription."""
    return sub.chat_id == match.chat_id and sub.created_at < item.first_seen_at


def eligible_alerts(
    matches: Sequence[MatchRecord],
    items: Mapping[int, ItemFacts],
    subscriptions: Mapping[int, SubscriptionFacts],
    now: datetime,
) -> list[Eligible]:
    """The matches that alert at ``now``, one per (chat, story), each with its hold (``feeds.volume.decide``).

    Matches of items or subscriptions missing from the mappings are dropped, as are muted ones. Alerts come
    in the order their (chat, story) first appeared in (item, subscription) order."""
    best: dict[tuple[int, int], Eligible] = {}
    for match in sorted(matches, key=lambda m: (m.item_id, m.subscription_id)):
        item, sub = items.get(match.item_id), subscriptions.get(match.subscription_id)
        if item is None or sub is None or not is_new_to(match, sub, item):
            continue
        hold = decide(now, sub.chat, sub.volume)
        if hold.kind is HoldKind.MUTED:
            continue
        key = (sub.chat_id, item.story_id)
        current = best.get(key)
        if current is None or earliest([current.hold, hold]) is not current.hold:
            best[key] = Eligible(sub.chat_id, item.story_id, match, hold)
    return list(best.values())
