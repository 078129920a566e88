"""The current schema as typed SQLAlchemy models; ``migrations`` builds it, these map it.

Repositories use the models' tables with Core statements (fast bulk work); rows become ``feeds.models``
dataclasses in ``storage.db.convert`` and never leave the package. The full-text side tables (``items_fts`` on
SQLite, ``item_search`` on PostgreSQL) are dialect-specific and live in ``storage.search_sql``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.db.types import UTCDateTime

# BIGINT on PostgreSQL; INTEGER on SQLite, where only "INTEGER PRIMARY KEY" is the auto-increasing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index over the rows ``where`` holds (a literal SQL condition), on SQLite and PostgreSQL alike."""
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


class Base(DeclarativeBase):
    """Declarative base of every Wirewatch table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), str: Text()}


class SchemaVersionRow(Base):
    """One row per applied migration."""

    __tablename__ = "schema_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    applied_at: Mapped[datetime]


class FeedRow(Base):
    """A feed (from the config, chat, the CLI or OPML) with its fetch state and health."""

    __tablename__ = "feeds"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    url: Mapped[str]
    interval_seconds: Mapped[int]
    enabled: Mapped[bool] = mapped_column(default=True)
    etag: Mapped[str | None]
    last_modified: Mapped[str | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None]
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    next_poll_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    origin: Mapped[str] = mapped_column(server_default="config")  # config, chat, cli, opml
    added_by_chat: Mapped[int | None] = mapped_column(BigInteger)
    failing_since: Mapped[datetime | None]  # first failure of the current streak
    paused_at: Mapped[datetime | None]  # a chat feed failing for days is paused, not polled
    owner_told_at: Mapped[datetime | None]  # the adding chat was told about the pause

    claimed_by: Mapped[str | None] = mapped_column(String(100))  # the fetch worker polling it now
    body_digest: Mapped[str | None] = mapped_column(String(64))  # the last stored 200 (migration 17)

    __table_args__ = (Index("ix_feeds_due", "enabled", "next_poll_at"),)


class ItemRow(Base):
    """A stored release. ``story_id`` is the id of its story's first item; NULL when it is that first item."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    feed_id: Mapped[int] = mapped_column(BigId, ForeignKey("feeds.id"))
    identity: Mapped[str]
    story_id: Mapped[int | None] = mapped_column(BigId)
    link: Mapped[str | None]
    title: Mapped[str]
    body: Mapped[str]
    summary: Mapped[str]
    published_at: Mapped[datetime]
    first_seen_at: Mapped[datetime]
    counted_at: Mapped[datetime]  # feeds.trends.count_moment: the day it counts on (migration 18)
    backlog: Mapped[bool] = mapped_column(default=False, server_default=false())
    dateline_place: Mapped[str | None]
    dateline_date: Mapped[str | None]
    dateline_wire: Mapped[str | None]
    title_fingerprint: Mapped[str]
    body_fingerprint: Mapped[str]
    language: Mapped[str | None] = mapped_column(String(16))  # declared, else detected; NULL: unknown

    __table_args__ = (
        UniqueConstraint("feed_id", "identity", name="uq_items_feed_identity"),
        Index("ix_items_story", "story_id"),
        Index("ix_items_link", "link"),
        Index("ix_items_title_fp", "title_fingerprint"),
        Index("ix_items_first_seen", "first_seen_at"),
        Index("ix_items_trend", "id", "story_id", "counted_at", "backlog"),  # daily counts: no wide row reads
    )


class MatchQueueRow(Base):
    """An item waiting for the match stage: an item is matched exactly when it has no row here.

    Written with its item, deleted by the match stage or with its item by retention. SQLite keeps migration
    12's foreign key to ``items`` (``ON DELETE CASCADE``); PostgreSQL dropped it (migration 20)."""

    __tablename__ = "match_queue"
    item_id: Mapped[int] = mapped_column(BigId, primary_key=True)

    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012


class ChatRow(Base):
    """A Telegram chat (``id`` is Telegram's chat id)."""

    __tablename__ = "chats"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    paused: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    language: Mapped[str | None] = mapped_column(String(16))  # /lang choice; NULL: from the sender
    sender_language: Mapped[str | None] = mapped_column(String(16))  # for alerts when there is no choice
    # Volume control (``feeds.volume``): NULL zone = the configured default; times as "08:00,18:00";
    # quiet hours as "22:00-07:00".
    timezone: Mapped[str | None]
    digest_times: Mapped[str | None]
    quiet_hours: Mapped[str | None]


class SubscriptionRow(Base):
    """A chat's saved query; ``query_key`` is the whitespace-collapsed text, unique per chat."""

    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id"))
    query: Mapped[str]
    query_key: Mapped[str]
    created_at: Mapped[datetime]
    spike_alerts: Mapped[bool] = mapped_column(default=False, server_default=false())
    last_spike_on: Mapped[date | None] = mapped_column(Date)
    # NULL: the chat's digest schedule; "instant"; or own times "08:00,18:00".
    digest_times: Mapped[str | None]
    mute_until: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("chat_id", "query_key", name="uq_subscriptions_chat_query"),)


class LeasedOutbox:
    """The columns both outboxes share: a row's status and attempts, and the lease of the sender holding it.

    ``status`` is ``feeds.models.DeliveryStatus``; a ``sending`` row belongs to ``claimed_by`` until
    ``lease_until``; a retry waits until ``not_before``."""

    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None]
    not_before: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]


class DeliveryRow(LeasedOutbox, Base):
    """The outbox: one alert for one story in one chat, ever.

    ``kind`` is ``feeds.volume.HoldKind``: instant, quiet (held until quiet hours end: ``not_before``) or
    digest (``digest_slot`` names the digest it belongs to; ``not_before`` starts equal to it)."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id"))
    story_id: Mapped[int] = mapped_column(BigId)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("items.id"))
    subscription_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("subscriptions.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(10), default="instant", server_default="instant")
    digest_slot: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("chat_id", "story_id", name="uq_deliveries_chat_story"),
        partial_index("ix_deliveries_pending", "id", where="status = 'pending'"),
        Index("ix_deliveries_subscription", "subscription_id"),
        partial_index("ix_deliveries_sending", "chat_id", where="status = 'sending'"),
        partial_index("ix_deliveries_pending_chat", "chat_id", "id", where="status = 'pending'"),
        Index("ix_deliveries_item", "item_id"),
        partial_index(
            "ix_deliveries_digest_due",
            "digest_slot",
            "chat_id",
            "not_before",
            where="status = 'pending' AND kind = 'digest'",
        ),
        Index("ix_deliveries_chat_sent", "chat_id", "sent_at"),
    )


class FeedOfferRow(Base):
    """A feed found on a page and offered to a chat as a button (``/addfeed`` of a page with several)."""

    __tablename__ = "feed_offers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str]
    title: Mapped[str]
    name: Mapped[str | None]  # the NAME given with /addfeed, if any
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_feed_offers_chat", "chat_id", "created_at"),)


class SpikeAlertRow(LeasedOutbox, Base):
    """The outbox of spike alerts: one row per subscription and local day, written with the claim of that
    day (``subscriptions.last_spike_on``) in one transaction; sent, retried and leased like deliveries."""

    __tablename__ = "spike_alerts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(BigId, ForeignKey("subscriptions.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id"))
    day: Mapped[date] = mapped_column(Date)
    stories: Mapped[int]
    average: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        UniqueConstraint("subscription_id", "day", name="uq_spike_alerts_subscription_day"),
        partial_index("ix_spike_alerts_open", "id", where="status IN ('pending', 'sending')"),
    )


class PrunedIdentityRow(Base):
    """An item deleted by retention, still known: its feed listing it again stores and alerts nothing."""

    __tablename__ = "pruned_identities"
    feed_id: Mapped[int] = mapped_column(BigId, ForeignKey("feeds.id"), primary_key=True)
    identity: Mapped[str] = mapped_column(primary_key=True)

    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012


class TranslationRow(Base):
    """A machine translation of an item's headline, summary and matched sentence into one language."""

    __tablename__ = "translations"
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    source_language: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str]
    summary: Mapped[str]
    sentence: Mapped[str]
    sentence_source: Mapped[str]  # the matched sentence as written (it depends on the chat's query)
    created_at: Mapped[datetime]

    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012


class TranslationUsageRow(Base):
    """Characters sent to the translator for one chat on one UTC day (the daily budgets)."""

    __tablename__ = "translation_usage"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    characters: Mapped[int]


class WorkerHeartbeatRow(Base):
    """A worker process of some role, alive as of ``beat_at``."""

    __tablename__ = "worker_heartbeats"
    owner: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    beat_at: Mapped[datetime]


class HandledUpdateRow(Base):
    """A Telegram update a bot process took to handle (webhook mode), kept a day: a re-sent one is skipped."""

    __tablename__ = "handled_updates"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime]

    __table_args__ = (Index("ix_handled_updates_at", "handled_at"),)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model (for Core statements)."""
    return cast(Table, model.__table__)


schema_version = table_of(SchemaVersionRow)
feeds = table_of(FeedRow)
items = table_of(ItemRow)
match_queue = table_of(MatchQueueRow)
chats = table_of(ChatRow)
subscriptions = table_of(SubscriptionRow)
deliveries = table_of(DeliveryRow)
pruned_identities = table_of(PrunedIdentityRow)
worker_heartbeats = table_of(WorkerHeartbeatRow)
feed_offers = table_of(FeedOfferRow)
spike_alerts = table_of(SpikeAlertRow)
translations = table_of(TranslationRow)
translation_usage = table_of(TranslationUsageRow)
handled_updates = table_of(HandledUpdateRow)
