"""The memory benchmark's workload: generated feeds on a loopback server and bulk-seeded chats and
subscriptions (10 per chat, an hour old, so every release the run sees first is new to them). The feeds
are served empty until every feed has been polled once, then the releases appear (a feed's first poll is
its backlog and never alerts).

Subscriptions name words of a 20,000-word vocabulary (a single name, two names, a phrase, an OR, a
prefix, an exclusion); a release names 50 of them among common filler words, so a single-name
subscription matches one release in 400 and the outbox gets ~0.5 alerts per subscription per 1,000 releases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from sqlalchemy import create_engine, insert

from storage.db.tables import chats, subscriptions
from storage.store import Store
from tests.feed_server import FeedServer
from tests.releases import rss

SEED = 20261129
VOCABULARY = 20_000
NAMES_PER_RELEASE = 50
SUBS_PER_CHAT = 10
FILLER = [
    "the",
    "a",
    "of",
    "and",
    "in",
    "to",
    "said",
    "on",
    "for",
    "with",
    "its",
    "by",
    "at",
    "from",
    "as",
    "will",
    "new",
    "year",
    "company",
    "city",
    "province",
]
SYLLABLES = [c + v for c in "bcdfghjklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


def vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(3, 4))))
    return sorted(words)


def make_query(rng: random.Random, words: list[str]) -> str:
    """One subscription: mostly names and pairs, some phrases, ORs, prefixes and exclusions."""
    a, b, c = rng.sample(words, 3)
    shape = rng.random()
    if shape < 0.35:
        return a.capitalize()
    if shape < 0.6:
        return f"{a} {b}"
    if shape < 0.75:
        return f'"{a} {b}"'
    if shape < 0.85:
        return f"{a} OR {b}"
    if shape < 0.92:
        return f"{a[:4]}* {b}"
    return f"{a} -{c}"


def release_text(rng: random.Random, words: list[str], number: int) -> tuple[str, str, str]:
    """(guid, title, body) of one generated release (~2 KB)."""
    names = rng.sample(words, NAMES_PER_RELEASE)
    body = [*names, *rng.choices(FILLER, k=250)]
    rng.shuffle(body)
    title = " ".join(n.capitalize() for n in names[:6]) + f" report {number}"
    return (
        f"bench-{number}",
        title,
        "BINZHOU, China, Nov. 26, 2026 /Xinhua-AsiaNet/ -- " + " ".join(body) + ".",
    )


@dataclass
class BenchFeeds:
    """The generated feeds: served empty until ``publish`` (a feed's first poll never alerts)."""

    server: FeedServer
    releases: list[list[tuple[str, str, str]]]

    @property
    def named_urls(self) -> list[tuple[str, str]]:
        return [(f"Bench Wire {n:04d}", self.server.url(f"/feed-{n}.xml")) for n in range(len(self.releases))]

    def publish(self) -> None:
        """Serve every feed's releases (a new ETag, so the next poll fetches them)."""
        stamp = format_datetime(datetime.now(UTC), usegmt=True)
        for n, releases in enumerate(self.releases):
            self.server.add(f"/feed-{n}.xml", rss(releases), etag=f'"v{n}-1"', last_modified=stamp)


def serve_feeds(server: FeedServer, feeds: int, items: int) -> BenchFeeds:
    """``items`` new releases spread over ``feeds`` feeds, served empty (with an ETag, so re-polls are
    304) until ``publish``."""
    rng = random.Random(SEED)
    words = vocabulary(rng)
    per_feed: list[list[tuple[str, str, str]]] = [[] for _ in range(feeds)]
    for number in range(items):
        per_feed[number % feeds].append(release_text(rng, words, number))
    stamp = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    for n in range(feeds):
        server.add(f"/feed-{n}.xml", rss([]), etag=f'"v{n}-0"', last_modified=stamp)
    return BenchFeeds(server, per_feed)


def seed_subscriptions(url: str, count: int) -> int:
    """Migrate the database and insert ``count`` subscriptions over ``count / 10`` private chats; returns
    the number of chats."""
    Store.open(url).close()
    rng = random.Random(SEED + 1)
    words = vocabulary(random.Random(SEED))
    made = datetime.now(UTC) - timedelta(hours=1)
    chat_count = max(1, count // SUBS_PER_CHAT)
    chat_rows = [
        {
            "id": 100_000 + n,
            "kind": "private",
            "active": True,
            "paused": False,
            "created_at": made,
            "updated_at": made,
        }
        for n in range(chat_count)
    ]
    sub_rows = []
    taken: set[tuple[int, str]] = set()
    for n in range(count):
        chat_id = 100_000 + n % chat_count
        query = make_query(rng, words)
        while (chat_id, query) in taken:
            query = make_query(rng, words)
        taken.add((chat_id, query))
        sub_rows.append({"chat_id": chat_id, "query": query, "query_key": query, "created_at": made})
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(chats), chat_rows)
            for start in range(0, len(sub_rows), 10_000):
                conn.execute(insert(subscriptions), sub_rows[start : start + 10_000])
    finally:
        engine.dispose()
    return chat_count
