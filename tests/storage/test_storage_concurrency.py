"""Story clustering under concurrent writers: two fetch workers storing the same release from two wires at
the same moment still make one story (PostgreSQL serializes them per link / title fingerprint)."""

from __future__ import annotations

import threading

from feeds.models import FeedState
from storage.store import Store
from tests.fixtures_db import WINDOW, new_item


def _store_concurrently(store: Store, feeds: tuple[FeedState, FeedState], round_: int) -> set[int]:
    """Both feeds store the same release at once; returns the story ids they got."""
    barrier = threading.Barrier(2)
    stories: set[int] = set()
    link = f"https://example.com/release/{round_}"
    title = f"Port city opens terminal number {round_}"

    def add(feed: FeedState, identity: str) -> None:
        item = new_item(identity, link=link, title=title)
        barrier.wait()
        [stored] = store.add_items(feed.id, [item], WINDOW)
        stories.add(stored.story_id or stored.id)

    threads = [threading.Thread(target=add, args=(feed, f"{feed.name}{round_}")) for feed in feeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return stories


def test_the_same_release_stored_concurrently_is_one_story(
    store: Store, two_feeds: tuple[FeedState, FeedState]
) -> None:
    split = sum(len(_store_concurrently(store, two_feeds, round_)) != 1 for round_ in range(15))
    assert split == 0
