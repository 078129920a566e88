"""The typed base every part of the store builds on: the engine and the default zone."""

from __future__ import annotations

from sqlalchemy import Engine

from storage.db.instance import InstanceLock


class StoreBase:
    """Holds the engine; ``default_zone`` (IANA name) is the zone of chats that have not chosen one
    (``[chat] default_timezone``): digest slots and quiet hours are decided in it."""

    def __init__(self, engine: Engine, *, default_zone: str = "UTC") -> None:
        self._engine = engine
        self._default_zone = default_zone

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return str(self._engine.dialect.name)

    def lock_instance(self, role: str = "instance") -> InstanceLock:
        """Hold this database's lock for ``role`` (``InstanceLockedError`` if another process holds it)."""
        return InstanceLock.acquire(self._engine, role)

    def close(self) -> None:
        """Dispose of the engine."""
        self._engine.dispose()
