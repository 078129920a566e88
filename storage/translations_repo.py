"""The translation cache (one row per item and language) and the translator's daily character budgets."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, case, func, select, update

from feeds.translation import Translation
from storage.db.dialect import upsert
from storage.db.tables import translation_usage, translations


def cached(conn: Connection, item_id: int, language: str) -> Translation | None:
    """The stored translation of the item into ``language``; None when there is none."""
    row = conn.execute(
        select(translations).where(translations.c.item_id == item_id, translations.c.language == language)
    ).first()
    if row is None:
        return None
    return Translation(
        row.language,
        row.provider,
        row.source_language,
        row.title,
        row.summary,
        row.sentence,
        row.sentence_source,
    )


def save(conn: Connection, item_id: int, translation: Translation, now: datetime) -> None:
    """Store (or replace) the item's translation into ``translation.language``."""
    values = {
        "item_id": item_id,
        "language": translation.language,
        "provider": translation.provider,
        "source_language": translation.source_language,
        "title": translation.title,
        "summary": translation.summary,
        "sentence": translation.sentence,
        "sentence_source": translation.sentence_source,
        "created_at": now,
    }
    stmt = upsert(conn, translations).values(values)
    updated = {key: stmt.excluded[key] for key in values if key not in ("item_id", "language")}
    conn.execute(stmt.on_conflict_do_update(index_elements=["item_id", "language"], set_=updated))


def spend(conn: Connection, chat_id: int, characters: int, day: date, *, daily: int, chat_daily: int) -> bool:
    """Count ``characters`` against today's budgets of all chats and of ``chat_id``; False (nothing
    counted) when either would be exceeded."""
    used = select(func.coalesce(func.sum(translation_usage.c.characters), 0)).where(
        translation_usage.c.day == day
    )
    total = int(conn.execute(used).scalar_one())
    mine = int(conn.execute(used.where(translation_usage.c.chat_id == chat_id)).scalar_one())
    if total + characters > daily or mine + characters > chat_daily:
        return False
    stmt = upsert(conn, translation_usage).values(day=day, chat_id=chat_id, characters=characters)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["day", "chat_id"],
            set_={"characters": translation_usage.c.characters + stmt.excluded.characters},
        )
    )
    return True


def refund(conn: Connection, chat_id: int, characters: int, day: date) -> None:
    """Take ``characters`` back off the day's count of ``chat_id`` (a call that failed), never below 0."""
    used = translation_usage.c.characters
    stmt = (
        update(translation_usage)
        .where(translation_usage.c.day == day, translation_usage.c.chat_id == chat_id)
        .values(characters=case((used > characters, used - characters), else_=0))
    )
    conn.execute(stmt)
