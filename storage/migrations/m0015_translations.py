"""Migration 15: ``items.language`` and the translation cache (issue 22).

``translations`` holds one machine translation per (item, language); its rows leave with their item
(``ON DELETE CASCADE``, so retention needs no step of its own). ``translation_usage`` counts the
characters sent to the translator per UTC day and chat, for the daily budgets. Items stored before this
step keep a NULL language (unknown: no Translate button).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from storage.db.types import UTCDateTime

_ID = BigInteger().with_variant(Integer(), "sqlite")


def _tables() -> tuple[Table, Table]:
    meta = MetaData()
    Table("items", meta, Column("id", _ID, primary_key=True))
    translations = Table(
        "translations",
        meta,
        Column("item_id", _ID, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        Column("language", String(16), primary_key=True),
        Column("provider", String(32), nullable=False),
        Column("source_language", String(16)),
        Column("title", Text, nullable=False),
        Column("summary", Text, nullable=False),
        Column("sentence", Text, nullable=False),
        Column("sentence_source", Text, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        sqlite_with_rowid=False,
    )
    usage = Table(
        "translation_usage",
        meta,
        Column("day", Date, primary_key=True),
        Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
        Column("characters", Integer, nullable=False),
    )
    return translations, usage


def apply(conn: Connection) -> None:
    """Add the nullable column and create both tables."""
    conn.exec_driver_sql("ALTER TABLE items ADD COLUMN language VARCHAR(16)")
    for table in _tables():
        table.create(conn)
