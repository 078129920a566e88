"""The chat language on both backends: stored, cleared, kept by a supergroup migration and an upgrade."""

from __future__ import annotations

from sqlalchemy import text

from feeds.models import ChatKind
from storage.db.engine import make_engine
from storage.migrations import MIGRATIONS, migrate
from storage.store import Store
from tests.fixtures_db import T0

Backend = tuple[str, str | None]


def test_language_is_stored_and_cleared(store: Store) -> None:
    assert store.touch_chat(1, ChatKind.PRIVATE).language is None
    store.set_chat_language(1, "zh-Hant")
    chat = store.get_chat(1)
    assert chat is not None and chat.language == "zh-Hant"
    assert store.touch_chat(1, ChatKind.PRIVATE).language == "zh-Hant"  # talking again keeps it
    store.set_chat_language(1, None)
    assert store.touch_chat(1, ChatKind.PRIVATE).language is None


def test_language_belongs_to_one_chat(store: Store) -> None:
    store.touch_chat(1, ChatKind.PRIVATE)
    store.touch_chat(2, ChatKind.PRIVATE)
    store.set_chat_language(1, "zh-Hans")
    assert store.get_chat(2) is not None and store.get_chat(2).language is None  # type: ignore[union-attr]


def test_supergroup_migration_keeps_the_language(store: Store) -> None:
    store.touch_chat(-5, ChatKind.GROUP)
    store.set_chat_language(-5, "zh-Hans")
    store.migrate_chat(-5, -1005, ChatKind.SUPERGROUP)
    new = store.get_chat(-1005)
    assert new is not None and new.language == "zh-Hans"


def test_upgrade_adds_the_column_and_keeps_chats(backend: Backend) -> None:
    url, schema = backend
    engine = make_engine(url, schema=schema)
    try:
        migrate(engine, MIGRATIONS[:1])
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO chats (id, kind, active, paused, created_at, updated_at)"
                    " VALUES (7, 'private', true, false, :t, :t)"
                ),
                {"t": T0},
            )
    finally:
        engine.dispose()
    store = Store.open(url, schema=schema)
    try:
        chat = store.get_chat(7)
        assert chat is not None and chat.language is None and chat.kind is ChatKind.PRIVATE
        store.set_chat_language(7, "en")
        assert store.get_chat(7).language == "en"  # type: ignore[union-attr]
    finally:
        store.close()


def test_sender_language_is_separate_from_the_choice(store: Store) -> None:
    store.touch_chat(1, ChatKind.PRIVATE)
    store.set_sender_language(1, "zh-Hans")
    chat = store.get_chat(1)
    assert chat is not None and (chat.language, chat.sender_language) == (None, "zh-Hans")
    store.set_chat_language(1, "en")
    chat = store.get_chat(1)
    assert chat is not None and (chat.language, chat.sender_language) == ("en", "zh-Hans")
