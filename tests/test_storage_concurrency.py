"""Story clustering under concurrent writers: two fetch workers storing the same release from two wires at
the same moment still make one story (PostgreSQL serializes them per link / title fingerprint)."""

from __future__ import annotations

import threading

from feeds.models import FeedState
from storage.store import Store
from tests.fixtures_db import WINDOW, new_item


def test_the_same_release_stored_concurrently_is_one_story(
    store: Store, two_feeds: tuple[FeedState, FeedState]
) -> None:
    alpha, beta = two_feeds
    split = 0
    for round_ in range(15):
        link = f"https://example.com/release/{round_}"
        title = f"Port city opens terminal number {round_}"
        barrier = threading.Barrier(2)
        stories: dict[str, int | None] = {}

        def add(feed: FeedState, identity: str) -> None:
            item = new_item(identity, link=link, title=title)
            barrier.wait()
            [stored] = store.add_items(feed.id, [item], WINDOW)
            stories[identity] = stored.story_id or stored.id

        threads = [
            threading.Thread(target=add, args=(alpha, f"a{round_}")),
            threading.Thread(target=add, args=(beta, f"b{round_}")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        split += stories[f"a{round_}"] != stories[f"b{round_}"]
    assert split == 0
