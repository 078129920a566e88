"""Shared key sets and terms: queries that repeat a word hold one object for it, with the same meaning."""

from __future__ import annotations

import pytest

from feeds.query import parse_query
from feeds.query import shared as shared_module
from feeds.query.plan import make_plan
from feeds.query.shared import EMPTY_KEYS, key_set, memoized, shared


def test_small_key_sets_are_one_object_per_distinct_set() -> None:
    first, second = key_set(["binzhou"]), key_set(("binzhou",))
    assert first == frozenset({"binzhou"})
    assert first is second
    assert key_set(["a", "b"]) is key_set(["b", "a"])
    assert key_set([]) is EMPTY_KEYS and key_set(frozenset()) is EMPTY_KEYS


def test_larger_key_sets_are_not_kept() -> None:
    keys = ["a", "b", "c"]
    assert key_set(keys) == frozenset(keys)
    assert key_set(keys) is not key_set(keys)


def test_queries_repeating_a_word_share_its_term_and_anchor() -> None:
    one, two = parse_query("Binzhou"), parse_query("binzhou Shandong")
    assert one.anchor_options[0] is parse_query("BINZHOU").anchor_options[0]
    assert one.node is two.node.parts[0]  # type: ignore[attr-defined]
    plan = make_plan(parse_query("binzhou shandong -sports"))
    assert plan.forbidden is key_set(["sports"])
    assert parse_query("weiqiao -sports") == parse_query("weiqiao -sports")


def test_a_full_table_starts_over_and_values_stay_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared_module, "TABLE_LIMIT", 2)
    table: dict[str, str] = {}
    assert shared(table, "a", "A") == "A" and shared(table, "b", "B") == "B"
    assert shared(table, "a", "other") == "A"
    assert shared(table, "c", "C") == "C"
    assert table == {"c": "C"}


def test_memoized_makes_once_and_passes_none_through() -> None:
    calls: list[str] = []

    def make(word: str) -> str | None:
        calls.append(word)
        return None if word == "no" else word.upper()

    lookup = memoized({}, make)
    assert lookup("x") == "X" and lookup("x") == "X"
    assert lookup("no") is None and lookup("no") is None
    assert calls == ["x", "no", "no"]


def test_the_compiled_predicate_is_cached_on_an_immutable_query() -> None:
    query = parse_query('"harbor ferry" OR binzhou*')
    assert query.predicate is query.predicate
    assert hash(query) == hash(parse_query('"harbor ferry" OR binzhou*'))
