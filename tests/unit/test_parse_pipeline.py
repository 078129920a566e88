"""feeds.pipeline.parse_and_normalize: parse + normalize + in-feed dedup, also across a process pool."""

from __future__ import annotations

import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

import pytest

from feeds.models import NewItem
from feeds.parse import FeedParseError
from feeds.pipeline import WORKER_NICENESS, lower_priority, parse_and_normalize
from feeds.search import index_tokens
from tests.fixtures_feeds import feed_bytes

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
URL = "https://wire.example.com/rss"


def run(name: str) -> list[NewItem]:
    return parse_and_normalize(feed_bytes(name), {}, URL, NOW)


@pytest.mark.parametrize(
    ("name", "count"),
    [
        pytest.param("rss2_wires.xml", 4, id="duplicate-guid-in-one-response-kept-once"),
        pytest.param("atom_binzhou.xml", 2, id="atom"),
        pytest.param("rdf_rss1.xml", 2, id="rdf"),
        pytest.param("rss2_no_guids_odd_dates.xml", 4, id="no-guids"),
        pytest.param("rss2_zh_gb2312.xml", 2, id="gb2312"),
        pytest.param("rss2_empty.xml", 0, id="empty"),
    ],
)
def test_item_counts(name: str, count: int) -> None:
    items = run(name)
    assert len(items) == count
    assert len({i.identity for i in items}) == count


def test_first_copy_of_a_duplicate_wins() -> None:
    first = run("rss2_wires.xml")[0]
    assert first.title == "Binzhou aluminum maker opens lightweight alloy plant in Shandong"


def test_items_are_normalized() -> None:
    items = {i.title: i for i in run("rss2_wires.xml")}
    gnw = items["Weiqiao Pioneering Group reports record textile exports"]
    assert gnw.link is not None and gnw.link.startswith("https://www.example-globe.com/"), (
        "origLink preferred"
    )
    assert "wt_mc" not in gnw.link
    assert all(i.first_seen_at == NOW and i.published_at.tzinfo is not None for i in items.values())


@pytest.mark.parametrize(
    "index", [pytest.param(0, id="missing"), pytest.param(1, id="garbage"), pytest.param(2, id="future")]
)
def test_bad_dates_fall_back_to_first_seen(index: int) -> None:
    assert run("rss2_no_guids_odd_dates.xml")[index].published_at == NOW


@pytest.mark.parametrize(
    "name",
    [pytest.param("not_a_feed.html", id="html"), pytest.param("rss2_bozo_no_entries.xml", id="broken")],
)
def test_unusable_documents_raise_feed_parse_error(name: str) -> None:
    with pytest.raises(FeedParseError):
        run(name)


def test_runs_in_a_process_pool_and_results_pickle() -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        items = pool.submit(parse_and_normalize, feed_bytes("rss2_zh_utf8.xml"), {}, URL, NOW).result()
    assert items == run("rss2_zh_utf8.xml")
    assert pickle.loads(pickle.dumps(items)) == items


def test_parse_error_crosses_the_process_boundary() -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        future = pool.submit(parse_and_normalize, feed_bytes("not_a_feed.html"), {}, URL, NOW)
        with pytest.raises(FeedParseError, match="not a feed"):
            future.result()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("rss2_wires.xml", id="latin"),
        pytest.param("rss2_zh_utf8.xml", id="cjk"),
        pytest.param("atom_binzhou.xml", id="atom"),
    ],
)
def test_search_tokens_are_computed_in_the_pipeline(name: str) -> None:
    items = run(name)
    assert items
    for item in items:
        assert item.search_tokens, item.title
        assert item.search_tokens == index_tokens(item.title, item.body)


def test_script_and_style_never_reach_the_body() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Plant opens</title>'
        b'<guid isPermaLink="false">s-1</guid><description><![CDATA[<p>Opened.</p><script>track()</script>'
        b"<style>p{color:red}</style>]]></description></item></channel></rss>"
    )
    (item,) = parse_and_normalize(feed, {}, URL, NOW)
    assert item.body == "Opened."
    assert "track" not in item.search_tokens


def test_pool_workers_run_at_lower_priority() -> None:
    with ProcessPoolExecutor(max_workers=1, initializer=lower_priority) as pool:
        worker_niceness = pool.submit(os.nice, 0).result()
    assert worker_niceness == min(os.nice(0) + WORKER_NICENESS, 19)
