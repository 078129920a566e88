"""The typed base every part of the store builds on: the engine and the default zone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from feeds.pipeline import Lexemes
from storage.db.instance import InstanceLock
from storage.items_repo import KEEP_ITEMS
from storage.search_sql import pg_tsvector


class StoreBase:
    """Holds the engine; ``default_zone`` (IANA name) is the zone of chats that have not chosen one
    (``[chat] default_timezone``): digest slots and quiet hours are decided in it. ``keep_items``
    (``[storage] keep_items``): how much older than first sight a feed's date may be and still count."""

    def __init__(
        self, engine: Engine, *, default_zone: str = "UTC", keep_items: timedelta = KEEP_ITEMS
    ) -> None:
        self._engine = engine
        self._default_zone = default_zone
        self._keep_items = keep_items

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return str(self._engine.dialect.name)

    @property
    def index_lexemes(self) -> Lexemes | None:
        """What the parse workers add to each item's search tokens for this database's full-text index:
        PostgreSQL's tsvector literal (made there, off the store thread, from the tokens as they are
        split), nothing for SQLite (FTS5 reads the tokens themselves)."""
        return pg_tsvector if self.dialect == "postgresql" else None

    def lock_instance(self, role: str = "instance") -> InstanceLock:
        """Hold this database's lock for ``role`` (``InstanceLockedError`` if another process holds it)."""
        return InstanceLock.acquire(self._engine, role)

    def close(self) -> None:
        """Dispose of the engine."""
        self._engine.dispose()
