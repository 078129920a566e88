"""Domain models shared by every package: plain frozen dataclasses, no I/O.

These are the contract between ``feeds`` (fetch, parse, normalize, match), ``storage`` (which returns these,
never ORM rows) and ``bot`` (which renders them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """A feed as configured: a unique name, its URL and how often to poll it (seconds)."""

    name: str
    url: str
    interval_seconds: int


class FeedOrigin(StrEnum):
    """Where a feed came from. Only ``config`` feeds are trusted; the others are fetched through the guard."""

    CONFIG = "config"
    CHAT = "chat"
    CLI = "cli"
    OPML = "opml"


@dataclass(frozen=True, slots=True)
class FeedState:
    """A feed as stored: its fetch state and health, where it came from, and whether it is paused."""

    id: int
    name: str
    url: str
    interval_seconds: int
    etag: str | None = None
    last_modified: str | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    origin: FeedOrigin = FeedOrigin.CONFIG
    added_by_chat: int | None = None
    failing_since: datetime | None = None
    paused_at: datetime | None = None
    owner_told_at: datetime | None = None
    body_digest: str | None = None  # of the last 200 whose items were stored

    @property
    def untrusted(self) -> bool:
        """Fetched through the guard: every feed that does not come from ``config.toml``."""
        return self.origin is not FeedOrigin.CONFIG


@dataclass(frozen=True, slots=True)
class Dateline:
    """The wire dateline at the head of a release: ``BINZHOU, China, Jan. 27, 2026 /Xinhua-AsiaNet/ --``."""

    place: str | None = None
    date: str | None = None
    wire: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One feed entry as feedparser saw it, converted to plain values (raw HTML, raw dates)."""

    guid: str | None
    link: str | None
    title: str
    content_html: str
    published: datetime | None
    orig_link: str | None = None
    language: str | None = None  # declared (raw ``xml:lang`` of the entry, else the feed's ``<language>``)


@dataclass(frozen=True, slots=True)
class NewItem:
    """A normalized release, ready to store. Times are timezone-aware UTC."""

    identity: str
    link: str | None
    title: str
    body: str
    summary: str
    published_at: datetime
    first_seen_at: datetime
    dateline: Dateline = field(default_factory=Dateline)
    title_fingerprint: str = ""
    body_fingerprint: str = ""
    search_tokens: str = ""  # ``feeds.search.index_tokens`` of title and body, computed off the event loop
    dated: bool = True  # ``published_at`` is the feed's own date (False: it was missing or not believed)
    language: str | None = None  # ``feeds.language.item_language``: declared, else detected; None: unknown
    search_lexemes: str = ""  # the database's own form of ``search_tokens``, when it wants one (``Lexemes``)


@dataclass(frozen=True, slots=True)
class Item:
    """A stored release: a ``NewItem`` plus its database ids and source feed name."""

    id: int
    feed_id: int
    feed_name: str
    story_id: int
    identity: str
    link: str | None
    title: str
    body: str
    summary: str
    published_at: datetime
    first_seen_at: datetime
    dateline: Dateline = field(default_factory=Dateline)
    language: str | None = None  # as ``NewItem.language``


class ChatKind(StrEnum):
    """Telegram chat types that matter for pacing and permissions."""

    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"
    CONSOLE = "console"  # the terminal chat of ``wirewatch console`` / ``demo``; never sent to Telegram


@dataclass(frozen=True, slots=True)
class Chat:
    """A chat the bot talks to."""

    id: int
    kind: ChatKind
    active: bool = True
    paused: bool = False
    language: str | None = None  # the chat's own /lang choice ("en", "zh-Hans", "zh-Hant"); None: not chosen
    sender_language: str | None = None  # the last sender's Telegram language, as one of those tags


@dataclass(frozen=True, slots=True)
class Subscription:
    """A chat's saved query. ``query`` is the text as the user typed it.

    ``spike_alerts``: an extra alert on unusual volume; ``last_spike_on``: the local day of the last one."""

    id: int
    chat_id: int
    query: str
    created_at: datetime
    spike_alerts: bool = False
    last_spike_on: date | None = None


class DeliveryStatus(StrEnum):
    """Lifecycle of an outbox row."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by one deliver process until its lease ends
    SENT = "sent"
    CANCELLED = "cancelled"
