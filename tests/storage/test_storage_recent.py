"""``recent_items`` on both backends: every SearchExpr kind, CJK bigrams, prefixes, paging, the time bound."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.chat.recent import BATCH as RECENT_BATCH
from bot.chat.recent import RecentSearch
from feeds.models import FeedState
from feeds.query import parse_query
from feeds.search import AllOf, AnyOf, Phrase, SearchExpr, Tok, item_document
from storage.store import Store
from tests.fixtures_db import T0, WINDOW, new_item

# identity -> (title, body); each one a separate story, inserted in this order (ids ascending).
DOCS = {
    "solar": ("Harbor city opens solar ferry terminal", "The port said the solar ferry runs hourly."),
    "rail": ("Mountain railway adds night trains", "Night trains cross the pass; tickets on sale."),
    "5g": ("Telecom group lights up 5G network in the delta", "Coverage reaches 40 towns by March."),
    "binzhou": ("滨州市举办新能源博览会", "滨州市政府表示，本届博览会吸引了三百家企业。"),
    "ferry-solar": ("Ferry builders meet", "Builders said solar panels on a ferry are cheaper now."),
    "quotes": ('Chef\'s "AND" menu', "O'Neil & sons (est. 1901) sell 5g* of spice: a*b."),
}


@pytest.fixture
def loaded(store: Store, two_feeds: tuple[FeedState, FeedState]) -> dict[str, int]:
    alpha, _ = two_feeds
    items = [
        new_item(key, title=title, body=body, seen=T0 + timedelta(minutes=i))
        for i, (key, (title, body)) in enumerate(DOCS.items())
    ]
    return {item.identity: item.id for item in store.add_items(alpha.id, items, WINDOW)}


CASES = [
    pytest.param(None, ["quotes", "ferry-solar", "binzhou", "5g", "rail", "solar"], id="no-filter"),
    pytest.param(Tok("solar"), ["ferry-solar", "solar"], id="token"),
    pytest.param(Tok("sol", prefix=True), ["ferry-solar", "solar"], id="prefix"),
    pytest.param(Tok("sol"), [], id="no-prefix-no-partial-word"),
    pytest.param(Tok("5g"), ["quotes", "5g"], id="latin-with-digits"),
    pytest.param(Tok("滨州"), ["binzhou"], id="cjk-bigram"),
    pytest.param(Tok("博览", prefix=True), ["binzhou"], id="cjk-prefix"),
    pytest.param(Phrase(("solar", "ferry")), ["solar"], id="phrase-in-order"),
    pytest.param(Phrase(("ferry", "solar")), [], id="phrase-wrong-order"),
    pytest.param(AllOf((Tok("ferry"), Tok("builders"))), ["ferry-solar"], id="all-of"),
    pytest.param(AnyOf((Tok("trains"), Tok("滨州"))), ["binzhou", "rail"], id="any-of"),
    pytest.param(
        AnyOf((AllOf((Tok("night"), Tok("pass"))), Phrase(("port", "said")))), ["rail", "solar"], id="nested"
    ),
    pytest.param(AnyOf(()), [], id="empty-any-of-nothing"),
    pytest.param(Tok("and"), ["quotes"], id="fts-keyword-is-just-a-token"),
    pytest.param(AllOf((Tok("or"), Tok("not"))), [], id="fts-keywords-absent"),
    pytest.param(Tok("o'neil"), [], id="quote-in-token-safe"),
    pytest.param(Tok('"'), [], id="double-quote-token-safe"),
]


@pytest.mark.parametrize(("expr", "expected"), CASES)
def test_recent_items_by_expression(
    store: Store, loaded: dict[str, int], expr: SearchExpr | None, expected: list[str]
) -> None:
    got = store.recent_items(since=T0 - timedelta(days=7), limit=10, candidates=expr)
    assert [item.identity for item in got] == expected


def test_tokens_are_what_index_tokens_says(store: Store, loaded: dict[str, int]) -> None:
    # whatever the tokenizer produces (punctuation, digits, CJK), the database must keep each token whole
    from feeds.search import index_tokens

    title, body = DOCS["quotes"]
    for token in set(index_tokens(title, body).split()):
        got = store.recent_items(since=T0, limit=10, candidates=Tok(token))
        assert "quotes" in [item.identity for item in got], token


def test_paging_with_before_id_and_limit(store: Store, loaded: dict[str, int]) -> None:
    since = T0 - timedelta(days=1)
    first = store.recent_items(since=since, limit=2)
    assert [i.identity for i in first] == ["quotes", "ferry-solar"]
    second = store.recent_items(since=since, limit=2, before_id=first[-1].id)
    assert [i.identity for i in second] == ["binzhou", "5g"]
    filtered = store.recent_items(
        since=since, limit=1, candidates=Tok("solar"), before_id=loaded["ferry-solar"]
    )
    assert [i.identity for i in filtered] == ["solar"]
    assert store.recent_items(since=since, limit=0) == []


def test_since_bounds_first_seen(store: Store, loaded: dict[str, int]) -> None:
    since = T0 + timedelta(minutes=4)  # "ferry-solar" was first seen exactly then
    assert [i.identity for i in store.recent_items(since=since, limit=10)] == ["quotes", "ferry-solar"]
    assert [i.identity for i in store.recent_items(since=since, limit=10, candidates=Tok("solar"))] == [
        "ferry-solar"
    ]
    got = store.recent_items(since=since, limit=10)
    assert all(i.first_seen_at.utcoffset() == timedelta(0) for i in got)


@pytest.mark.parametrize("expr", [None, Tok("solar")], ids=["no-filter", "search"])
def test_naive_since_is_refused(store: Store, loaded: dict[str, int], expr: SearchExpr | None) -> None:
    with pytest.raises(Exception, match="naive"):
        store.recent_items(since=T0.replace(tzinfo=None), limit=10, candidates=expr)


def test_the_forced_index_plan_ends_with_its_statement(store: Store, loaded: dict[str, int]) -> None:
    """PostgreSQL: the GIN-only plan of a search that the newest rows cannot answer is set for that one
    statement; later statements of the same transaction plan with the settings they had."""
    from storage import search_index
    from storage.db.engine import transaction

    with transaction(store._engine, write=False) as conn:
        found = search_index.recent(conn, since=T0, limit=5, candidates=Tok("trains"), before_id=None)
        after = (
            conn.exec_driver_sql("SHOW enable_seqscan").scalar() if conn.dialect.name != "sqlite" else "on"
        )
    assert [item.id for item in found] == [loaded["rail"]]
    assert after == "on"


@pytest.mark.parametrize(
    "text", ["wind", "wind OR 滨州", "wind 滨州", '"wind farm"', "wind -farm", "wind*", "title:wind"]
)
def test_find_is_the_matcher_over_every_item(
    store: Store, two_feeds: tuple[FeedState, FeedState], text: str
) -> None:
    """The newest five stories ``RecentSearch.find`` returns are exactly those the matcher picks from all
    items, newest first, for queries the index answers exactly and for those it checks, across batches."""
    alpha, _ = two_feeds
    bodies = ["wind farm opens", "farm wind report", "滨州 wind", "no match here", "windy 滨州 farm"]
    stored = store.add_items(
        alpha.id,
        [
            new_item(
                f"n{n}",
                title=f"Item {n} {'wind' if n % 7 == 0 else 'news'}",
                body=bodies[n % 5],
                seen=T0 + timedelta(seconds=n),
            )
            for n in range(RECENT_BATCH + 60)
        ],
        WINDOW,
    )
    query = parse_query(text)
    expected = [item.identity for item in reversed(stored) if query.matches(item_document(item))][:5]
    found = RecentSearch(store).find(query, T0 - timedelta(days=1), 5)
    assert [item.identity for item in found] == expected
    assert len(expected) == 5
