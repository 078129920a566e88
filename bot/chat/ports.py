"""What the chat needs from storage: one small Protocol per command group, each naming exactly the calls
that group makes. ``storage.Store`` satisfies them all structurally; the composition root passes it in.

Every call is synchronous (the chat runs it through ``off_loop``), is one unit of work (all or nothing) and
may raise ``StoreUnavailableError`` (``feeds.values``) when the database does not answer; the router turns
that into a "try again" reply. A setter given a chat the store does not know changes nothing and raises
nothing, unless its docstring names an error. ``tests/contracts`` checks these promises against the real
store and the in-memory fake alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from feeds.aliases import Alias, AliasTerm
from feeds.models import Chat, ChatKind, FeedOrigin, FeedState, Item, NewItem, Subscription
from feeds.query import Query
from feeds.search import SearchExpr
from feeds.translation import TranslationOutcome, TranslationRequest
from feeds.trends import Activity, DailyCounts
from feeds.values import FeedOffer, FetchSuccess, PendingAlert, VolumeCounts
from feeds.volume import ChatVolume, QuietWindow, SubscriptionVolume


class ChatStore(Protocol):
    """The router's calls: the chat that talks, and the language it is answered in."""

    def touch_chat(self, chat_id: int, kind: ChatKind) -> Chat:
        """Create the chat (active, unpaused), or mark it active again with this kind (its pause and
        settings kept); returns it as stored."""

    def get_chat(self, chat_id: int) -> Chat | None:
        """The stored chat; None when it never talked to us."""

    def set_sender_language(self, chat_id: int, language: str | None) -> None:
        """Remember the language of the chat's last sender (alerts use it while the chat chose none)."""


class MembershipStore(Protocol):
    """The Telegram adapter's calls when the bot's membership of a chat changes."""

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, kind: ChatKind) -> None:
        """A group became a supergroup: its subscriptions (but those the new id has already) and its alerts
        (but those of stories the new id has) move there; a new id starts with the group's settings; the
        old id ends inactive."""

    def deactivate_chat(self, chat_id: int) -> int:
        """Mark the chat inactive and cancel its alerts not yet sent (pending or being sent); returns how
        many were cancelled."""


class SubscriptionStore(Protocol):
    """/subscribe, /unsubscribe, /list, /spike and the unsubscribe buttons."""

    def get_chat(self, chat_id: int) -> Chat | None:
        """The stored chat (/list shows whether it is paused); None when unknown."""

    def count_subscriptions(self, chat_id: int) -> int:
        """How many subscriptions the chat holds."""

    def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """The chat's subscriptions, by id."""

    def add_subscription(self, chat_id: int, query: str, now: datetime) -> Subscription:
        """Store a subscription of an existing chat, created at ``now`` (it alerts on items first seen after
        it); ``DuplicateSubscriptionError`` (naming the stored one) when the chat has the same query text
        already (hidden characters and runs of whitespace aside); ``LookupError`` for an unknown chat."""

    def remove_subscription(self, chat_id: int, subscription_id: int) -> Subscription | None:
        """Delete the chat's subscription by id, cancelling its alerts not yet sent (sent ones stay, without
        it); returns what was deleted, None when the chat has no such."""

    def remove_subscription_by_query(self, chat_id: int, query: str) -> Subscription | None:
        """Delete the chat's subscription with this exact (whitespace-normalized) text; None: no such."""

    def set_spike_alerts(self, chat_id: int, subscription_id: int, on: bool) -> Subscription | None:
        """Switch a subscription's spike alerts; returns it changed, None when the chat has no such."""


class SettingsStore(Protocol):
    """/lang, /pause and /resume."""

    def set_chat_language(self, chat_id: int, language: str | None) -> None:
        """Set (None: clear) the chat's language; ``get_chat(...).language`` reads it back."""

    def set_paused(self, chat_id: int, paused: bool) -> None:
        """Pause or resume the chat's alerts; subscriptions are kept."""


class ZoneStore(Protocol):
    """The chat's zone, digest times and quiet window (shared by several groups)."""

    def chat_volume(self, chat_id: int) -> ChatVolume:
        """The chat's zone, digest times and quiet window; the configured defaults for an unknown chat."""


class VolumeStore(ZoneStore, Protocol):
    """/tz, /digest, /quiet, /mute, /unmute and /status. Each setter re-decides the chat's held alerts not
    yet due and never tried (``feeds.volume.decide``) and returns how many moved (the ones returning
    ``int``); ``set_timezone``, ``set_chat_digest`` and ``set_quiet`` raise ``LookupError`` for an unknown
    chat."""

    def get_chat(self, chat_id: int) -> Chat | None:
        """The stored chat (/status shows whether it is paused); None when unknown."""

    def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """The chat's subscriptions, by id."""

    def subscription_volumes(self, chat_id: int) -> dict[int, SubscriptionVolume]:
        """Digest override and mute of each of the chat's subscriptions, by id (absent: neither)."""

    def volume_counts(self, chat_id: int, now: datetime) -> VolumeCounts:
        """Alerts sent to the chat in the 24 h before ``now``, and alerts waiting (held or due)."""

    def set_timezone(self, chat_id: int, zone: ZoneInfo | None, now: datetime) -> int:
        """Set the chat's zone (None: the default); waiting digests move to the new local times."""

    def set_chat_digest(self, chat_id: int, times: tuple[time, ...], now: datetime) -> int:
        """The chat's digest times (empty: instant); subscriptions with their own schedule keep it."""

    def set_subscription_digest(
        self, chat_id: int, subscription_ids: Sequence[int], times: tuple[time, ...] | None, now: datetime
    ) -> list[int]:
        """Override these subscriptions' digest (None: follow the chat; empty: instant); returns the ids
        that belong to the chat, the others are ignored."""

    def set_quiet(self, chat_id: int, window: QuietWindow | None, now: datetime) -> int:
        """Set quiet hours; None turns them off and releases every alert they held."""

    def set_mute(self, chat_id: int, subscription_id: int, until: datetime | None, now: datetime) -> bool:
        """Mute a subscription until ``until`` (None: unmute): its pending alerts are cancelled and its
        matches are not queued until then; False when the chat has no such subscription."""


class AlertStore(ZoneStore, Protocol):
    """The Mute, Unsubscribe and Why? buttons under alerts (muting goes through ``VolumeStore``)."""

    def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """The chat's subscriptions, by id."""

    def remove_subscription(self, chat_id: int, subscription_id: int) -> Subscription | None:
        """Delete the chat's subscription by id; returns what was deleted, None when the chat has no such."""

    def get_delivery(self, delivery_id: int) -> PendingAlert | None:
        """One outbox row with its item and subscription query, any chat's; None when it is gone."""


class ItemTranslator(Protocol):
    """The translator behind the Translate button (``bot.translate.service.TranslationService``)."""

    async def translate(self, request: TranslationRequest) -> TranslationOutcome:
        """The request's translation (cached or fresh), or why there is none; never raises."""
        ...


class TrendStore(Protocol):
    """Counts per local day, for /test, /trend and the spike alert's chart."""

    def daily_counts(
        self, query: Query, *, first_day: date, days: int, zone: ZoneInfo, releases: bool = True
    ) -> DailyCounts:
        """Stories and releases matching ``query`` per local day in ``zone`` from ``first_day``, each on
        its day of publication when plausible (``feeds.trends.count_moment``), else of first sight
        (``releases=False``: the releases may be left 0)."""


class SearchStore(Protocol):
    """Stored items, newest first, for /recent and /test."""

    def recent_items(
        self,
        *,
        since: datetime,
        limit: int,
        candidates: SearchExpr | None = None,
        before_id: int | None = None,
    ) -> list[Item]:
        """Items first seen at or after ``since``, newest (highest id) first, at most ``limit``; only those
        whose search tokens satisfy ``candidates`` when given, only ids below ``before_id`` when given."""


class InsightStore(ZoneStore, TrendStore, SearchStore, Protocol):
    """/recent, /test, /trend and /list's sparklines."""

    def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """The chat's subscriptions, by id (/trend accepts their ids)."""

    def activity(
        self, queries: Mapping[int, Query], *, now: datetime, zone: ZoneInfo, days: int = 7
    ) -> dict[int, Activity]:
        """Per key: stories per local day of the last ``days`` days and the last match."""


class SpikeChartStore(ZoneStore, TrendStore, Protocol):
    """The spike alert's text and chart, in the chat's language and zone."""

    def get_chat(self, chat_id: int) -> Chat | None:
        """The stored chat (its language); None when unknown."""


class FeedStore(ZoneStore, Protocol):
    """/feeds, /addfeed and its buttons, /removefeed, /export and /import."""

    def list_feeds(self) -> list[FeedState]:
        """Every enabled feed, by name."""

    def get_feed(self, feed_id: int) -> FeedState | None:
        """One feed by id, enabled or not."""

    def find_feed_by_name(self, name: str) -> FeedState | None:
        """An enabled feed by name, case-insensitive."""

    def find_feed_by_url(self, url: str) -> FeedState | None:
        """An enabled feed with the same canonical URL."""

    def count_feeds_added_by(self, chat_id: int) -> int:
        """Enabled feeds the chat added."""

    def add_feed(
        self,
        name: str,
        url: str,
        interval_seconds: int,
        *,
        origin: FeedOrigin,
        now: datetime,
        added_by_chat: int | None = None,
    ) -> FeedState:
        """Add a feed, due now; ``ValueError`` for a name that cleans to nothing or over 64 characters,
        ``DuplicateFeedError`` naming the feed that has this name or canonical URL already."""

    def add_items(
        self,
        feed_id: int,
        items: Sequence[NewItem],
        story_window: timedelta,
        *,
        first_poll: bool = False,
        success: FetchSuccess | None = None,
    ) -> list[Item]:
        """Store a poll's items (those already stored are skipped) and return the new ones; ``first_poll``:
        not queued for matching; ``success``: the poll is recorded in the same transaction."""

    def resume_feed(self, feed_id: int, now: datetime) -> bool:
        """Unpause a paused feed and poll it now; False if it was not paused."""

    def remove_feed(self, feed_id: int, now: datetime) -> FeedState | None:
        """Stop polling a feed that is not from the config (its items stay); None: no such feed;
        ``ValueError`` for a config feed."""

    def offer_feeds(
        self, chat_id: int, found: Sequence[tuple[str, str]], name: str | None, now: datetime
    ) -> list[FeedOffer]:
        """Remember feeds (url, title) offered to the chat as buttons; offers older than a day are dropped."""

    def feed_offer(self, chat_id: int, offer_id: int, now: datetime) -> FeedOffer | None:
        """An offer made to this chat within the day before ``now``; None for another chat's or an old one."""


class AliasStore(Protocol):
    """/aliases and the alias buttons of /subscribe: candidates with evidence, and the rewrite they make."""

    def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """The chat's subscriptions, by id."""

    def aliases(self, term: AliasTerm, *, since: datetime) -> list[Alias]:
        """Candidates for ``term`` in the other script, with releases since ``since`` holding each, best
        first (loads the segmentation and pinyin dictionaries on first use)."""

    def rewrite_subscription(
        self, chat_id: int, subscription_id: int, expected: str, query: str
    ) -> Subscription | None:
        """Replace the text of the chat's subscription (same id) while it is still ``expected``; None when
        it is gone or was changed meanwhile; ``DuplicateSubscriptionError`` when the chat has ``query``."""


class ChatServiceStore(
    ChatStore,
    SubscriptionStore,
    SettingsStore,
    VolumeStore,
    AlertStore,
    InsightStore,
    FeedStore,
    AliasStore,
    Protocol,
):
    """Everything the chat's command groups call, together: what the router is built from."""
