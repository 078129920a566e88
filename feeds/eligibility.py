"""Which matches become alerts: the rule of "new means first seen after the subscription was made".

A match alerts when its subscription still exists in an active, unpaused chat (the caller passes only
those), belongs to the chat the matcher named, and was created before the item was first seen; and a
chat gets one alert per story, ever (the first match of a story in a batch wins; the outbox's unique key
keeps it so across batches).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from feeds.values import MatchRecord


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


@dataclass(frozen=True, slots=True)
class Eligible:
    """One alert to enqueue."""

    chat_id: int
    story_id: int
    match: MatchRecord


def is_eligible(match: MatchRecord, chat_id: int, subscribed_at: datetime, first_seen_at: datetime) -> bool:
    """Whether a match of a live subscription (of ``chat_id``, made at ``subscribed_at``) alerts for an item
    first seen at ``first_seen_at``: the matcher named that chat, and the item is new to the subscription."""
    return chat_id == match.chat_id and subscribed_at < first_seen_at


def eligible_alerts(
    matches: Sequence[MatchRecord],
    items: Mapping[int, ItemFacts],
    subscriptions: Mapping[int, SubscriptionFacts],
) -> list[Eligible]:
    """The matches that alert, one per (chat, story), in (item, subscription) order."""
    chosen: dict[tuple[int, int], Eligible] = {}
    for match in sorted(matches, key=lambda m: (m.item_id, m.subscription_id)):
        item, sub = items.get(match.item_id), subscriptions.get(match.subscription_id)
        if item is None or sub is None:
            continue
        if not is_eligible(match, sub.chat_id, sub.created_at, item.first_seen_at):
            continue
        chosen.setdefault((sub.chat_id, item.story_id), Eligible(sub.chat_id, item.story_id, match))
    return list(chosen.values())
