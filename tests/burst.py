"""A burst of alerts for fault tests: chats and subscriptions seeded first, then items published in waves,
and a tally of what the fake Telegram server received (per chat: which releases, how often, in what order).

Each release carries a token ``R0001``… in its headline only, so any message (single alert or grouped)
can be read back into the releases it announced. Even chats subscribe to ``Binzhou`` (every release),
odd chats to ``Shandong`` (even-numbered releases).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from feeds.models import ChatKind
from storage.store import Store
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.releases import rss

TOKEN = re.compile(r"\bR(\d{4})\b")
FIRST_CHAT = 7001


def wants(chat_id: int, number: int) -> bool:
    """Whether the chat's subscription matches release ``number``."""
    return chat_id % 2 == 1 or number % 2 == 0


def release(number: int) -> tuple[str, str, str]:
    """(guid, title, body) of release ``number``."""
    place = "Binzhou and Shandong" if number % 2 == 0 else "Binzhou"
    title = f"{place} plant R{number:04d} opens"
    body = f"BINZHOU, China, Nov. 26, 2026 /Xinhua-AsiaNet/ -- A plant opened in {place}, release {number}."
    return f"r-{number}", title, body


@dataclass
class Burst:
    """The chats of the test and the releases published so far (round-robin over the feeds)."""

    server: FeedServer
    chats: list[int]
    feeds: int = 2
    published: list[int] = field(default_factory=list)
    delay: float = 0.0  # seconds the feed server waits before each answer

    @classmethod
    def seed(cls, url: str, server: FeedServer, chats: int = 40, feeds: int = 2, delay: float = 0.0) -> Burst:
        """Create the chats and their subscriptions (an hour old) through the real store; empty feeds."""
        burst = cls(server, [FIRST_CHAT + n for n in range(chats)], feeds, delay=delay)
        store = Store.open(url)
        try:
            made = datetime.now(UTC) - timedelta(hours=1)
            for chat_id in burst.chats:
                store.touch_chat(chat_id, ChatKind.PRIVATE)
                store.add_subscription(chat_id, "Binzhou" if chat_id % 2 else "Shandong", made)
        finally:
            store.close()
        for n in range(feeds):
            server.add(burst.path(n), rss([]), delay=delay)
        return burst

    def path(self, feed: int) -> str:
        return f"/wire-{feed}.xml"

    def feed_list(self) -> list[tuple[str, str]]:
        """(name, url) of every feed, for the config file."""
        return [(f"Wire {n}", self.server.url(self.path(n))) for n in range(self.feeds)]

    def publish(self, count: int) -> None:
        """``count`` new releases, spread over the feeds (each feed keeps serving its earlier ones)."""
        start = len(self.published)
        self.published.extend(range(start + 1, start + count + 1))
        for n in range(self.feeds):
            mine = [number for number in self.published if number % self.feeds == n]
            self.server.add(self.path(n), rss([release(number) for number in mine]), delay=self.delay)

    def expected(self) -> Counter[tuple[int, int]]:
        """Every (chat, release) that must arrive exactly once."""
        return Counter((c, n) for c in self.chats for n in self.published if wants(c, n))


@dataclass(frozen=True)
class Tally:
    """What the fake received: per chat, the releases of each message in order."""

    messages: dict[int, list[list[int]]]

    @classmethod
    def of(cls, fake: FakeTelegram) -> Tally:
        out: dict[int, list[list[int]]] = {}
        for message in fake.sent:
            numbers = [int(n) for n in TOKEN.findall(message.text)]
            if message.method == "sendMessage" and numbers:
                out.setdefault(message.chat_id, []).append(numbers)
        return cls(out)

    def counts(self) -> Counter[tuple[int, int]]:
        return Counter((chat, n) for chat, messages in self.messages.items() for m in messages for n in m)

    def total(self) -> int:
        return sum(self.counts().values())

    def lost(self, expected: Counter[tuple[int, int]]) -> list[tuple[int, int]]:
        return sorted(set(expected) - set(self.counts()))

    def duplicates(self) -> dict[tuple[int, int], int]:
        return {key: count - 1 for key, count in self.counts().items() if count > 1}

    def unexpected(self, expected: Counter[tuple[int, int]]) -> list[tuple[int, int]]:
        return sorted(set(self.counts()) - set(expected))

    def repeating_messages(self) -> dict[int, int]:
        """Per chat: how many messages repeated a release the chat had already received."""
        out: dict[int, int] = {}
        for chat, messages in self.messages.items():
            seen: set[int] = set()
            for message in messages:
                if seen & set(message):
                    out[chat] = out.get(chat, 0) + 1
                seen |= set(message)
        return out

    def first_arrival_order(self) -> dict[int, list[int]]:
        """Per chat: releases in the order they first arrived."""
        out: dict[int, list[int]] = {}
        for chat, messages in self.messages.items():
            order = out.setdefault(chat, [])
            for number in (n for m in messages for n in m):
                if number not in order:
                    order.append(number)
        return out


def outbox_order(url: str) -> dict[int, list[int]]:
    """Per chat: the releases of its outbox rows in row order (the order the promise is about)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT d.chat_id, i.title FROM deliveries d JOIN items i ON i.id = d.item_id"
                    " ORDER BY d.id"
                )
            ).all()
    finally:
        engine.dispose()
    out: dict[int, list[int]] = {}
    for chat_id, title in rows:
        found = TOKEN.search(title)
        if found:
            out.setdefault(int(chat_id), []).append(int(found.group(1)))
    return out


def out_of_order(tally: Tally, url: str) -> dict[int, tuple[list[int], list[int]]]:
    """Chats whose first arrivals differ from their outbox order: chat -> (arrived, outbox order)."""
    rows = outbox_order(url)
    bad = {}
    for chat, arrived in tally.first_arrival_order().items():
        wanted = [n for n in rows.get(chat, []) if n in set(arrived)]
        if arrived != wanted:
            bad[chat] = (arrived, wanted)
    return bad
