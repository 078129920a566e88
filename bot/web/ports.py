"""What the Mini App reads from storage besides the chat's services: one small Protocol, satisfied by
``storage.Store`` structurally and passed in by the composition root. Every call is synchronous (run
through ``off_loop``) and may raise ``StoreUnavailableError``."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from feeds.aliases import Alias, AliasTerm
from feeds.models import Chat, FeedState, Subscription
from feeds.volume import ChatVolume, SubscriptionVolume


class WebAppStore(Protocol):
    """The reads behind the page's lists and settings."""

    def get_chat(self, chat_id: int) -> Chat | None:
        """The stored chat (its language, whether it is paused); None when unknown."""

    def chat_volume(self, chat_id: int) -> ChatVolume:
        """The chat's zone, digest times and quiet window; the configured defaults for an unknown chat."""

    def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """The chat's subscriptions, by id."""

    def subscription_volumes(self, chat_id: int) -> dict[int, SubscriptionVolume]:
        """Digest override and mute of each of the chat's subscriptions, by id (absent: neither)."""

    def list_feeds(self) -> list[FeedState]:
        """Every enabled feed, by name."""

    def aliases(self, term: AliasTerm, *, since: datetime) -> list[Alias]:
        """The name's candidates in the other script, best first, with the releases since ``since`` that
        contain each (offered to the user, never applied silently)."""
