"""Retention through the product: settings, the daily job with a fake clock, ``wirewatch prune``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.chat.recent import RecentSearch
from bot.pipeline.ingest import Ingestor
from bot.pipeline.match import MatchService
from bot.pipeline.retention import retention_tick
from bot.settings import ConfigError, load_settings
from feeds.fetch import Fetcher, FetchLimits
from feeds.models import ChatKind, FeedSpec
from feeds.query import parse_query
from storage.store import Store
from tests.e2e.test_cli import wirewatch
from tests.feed_server import FeedServer
from tests.fixtures_db import new_item, settle_as_sent

KEEP = timedelta(days=365)
DAY1 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Binzhou opens aluminum park</title><guid>g1</guid>
<description>BINZHOU, China -- The city opened a park.</description></item></channel></rss>"""


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        pytest.param("", 365 * 86400, id="default-365d"),
        pytest.param('[storage]\nkeep_items = "30d"', 30 * 86400, id="days"),
        pytest.param('[storage]\nkeep_items = "3d"', "longer than polling.story_window (72h)", id="short"),
        pytest.param('[storage]\nkeep_items = "forever"', "storage.keep_items: expected seconds", id="bad"),
        pytest.param('[storage]\nkeep = "30d"', "storage.keep: unknown setting", id="unknown-key"),
    ],
)
def test_keep_items_setting(tmp_path: Path, text: str, outcome: int | str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    if isinstance(outcome, int):
        assert load_settings(str(path), env={}).storage.keep_items_seconds == outcome
        return
    with pytest.raises(ConfigError, match=outcome.replace("(", r"\(").replace(")", r"\)")):
        load_settings(str(path), env={})


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchLimits(total_timeout=5.0)) as opened:
        yield opened


async def test_a_pruned_release_leaves_recent_and_is_never_alerted_again(
    store: Store, fetcher: Fetcher, feed_server: FeedServer
) -> None:
    feed_server.add("/wire.xml", RSS)
    (feed,) = store.sync_feeds([FeedSpec("Wire", feed_server.url("/wire.xml"), 60)], DAY1)
    store.touch_chat(10, ChatKind.PRIVATE)
    store.add_subscription(10, "binzhou", DAY1 - timedelta(days=1))
    ingestor, matcher, clock = Ingestor(store, fetcher, parse_executor=None), MatchService(store), Clock(DAY1)
    recent = RecentSearch(store)

    async def poll_and_match() -> tuple[int, int]:
        (result,) = await ingestor.poll_feeds(store.list_feeds(), clock())
        return len(result.new_items), matcher.run_once(clock())

    feed_server.add("/wire.xml", RSS[: RSS.index(b"<item>")] + b"</channel></rss>")
    assert await poll_and_match() == (0, 0)  # the first poll of a new feed never alerts
    feed_server.add("/wire.xml", RSS)
    assert await poll_and_match() == (1, 1)
    settle_as_sent(store, clock(), clock())
    assert len(recent.find(parse_query("binzhou"), DAY1 - timedelta(days=7), 10)) == 1

    clock.now = DAY1 + KEEP + timedelta(days=1)
    result = await retention_tick(store, KEEP, clock)
    assert result is not None and (result.items, result.deliveries, result.identities) == (1, 1, 1)
    assert recent.find(parse_query("binzhou"), DAY1 - timedelta(days=7), 10) == []
    assert recent.find(None, DAY1 - timedelta(days=7), 10) == []

    assert await poll_and_match() == (0, 0)  # the feed still lists it: not stored, not alerted
    assert store.count_items() == 0 and store.count_pending() == 0
    assert feed.id == store.list_feeds()[0].id


async def test_the_job_logs_and_survives_a_failing_store(tmp_path: Path) -> None:
    broken = Store.open(f"sqlite:///{tmp_path / 'x.db'}")
    broken.close()
    (tmp_path / "x.db").unlink()
    (tmp_path / "x.db").mkdir()  # the database is now a directory: every statement fails
    assert await retention_tick(broken, KEEP, Clock(DAY1)) is None


def test_prune_command_dry_run_then_real(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{db}"\n[storage]\nkeep_items = "30d"\n')
    store = Store.open(f"sqlite:///{db}")
    try:
        (feed,) = store.sync_feeds([FeedSpec("Wire", "http://127.0.0.1:9/x.xml", 60)], DAY1)
        old, new = datetime.now(UTC) - timedelta(days=40), datetime.now(UTC) - timedelta(days=1)
        store.add_items(feed.id, [new_item("old", title="Old release", seen=old)], timedelta(hours=1))
        store.add_items(feed.id, [new_item("new", title="New release", seen=new)], timedelta(hours=1))
    finally:
        store.close()

    dry = wirewatch("prune", "--dry-run", "--config", str(config))
    assert dry.returncode == 0, dry.stderr
    assert "Would remove 1 releases" in dry.stdout and "1 identities would be remembered" in dry.stdout
    real = wirewatch("prune", "--config", str(config))
    assert "Removed 1 releases" in real.stdout and "1 search index entries" in real.stdout
    assert "Removed 0 releases" in wirewatch("prune", "--config", str(config)).stdout
    reopened = Store.open(f"sqlite:///{db}")
    try:
        assert reopened.count_items() == 1
    finally:
        reopened.close()


async def test_the_daily_job_is_scheduled_an_hour_after_start(store: Store) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.pipeline.retention import schedule_retention

    scheduler = AsyncIOScheduler(timezone=UTC)
    schedule_retention(scheduler, store, KEEP, Clock(DAY1))
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job("retention")
        assert job.next_run_time == DAY1 + timedelta(hours=1)
        assert job.trigger.interval == timedelta(days=1)
        assert job.args == (store, KEEP, job.args[2])
    finally:
        scheduler.shutdown(wait=False)
