"""Postings: a query that needs more keys than its anchor is filed by the next one, so documents without
that key never run its checks; removal leaves nothing behind."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.query import Document, QueryError, parse_query
from feeds.query.plan import Plan, make_plan
from feeds.query.postings import UNION_LIMIT, Postings
from tests.unit.test_query_properties import query_text

NO_KEYS: frozenset[str] = frozenset()


class Counted:
    """A residual predicate that says yes and counts how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, doc: Document) -> bool:
        self.calls += 1
        return True


RUNS = [
    # (id, required, alternatives, document text, residual runs, matched)
    ("next-key-missing", {"alpha", "beta"}, None, "alpha gamma", 0, False),
    ("next-key-present", {"alpha", "beta"}, None, "alpha beta", 1, True),
    ("third-key-missing", {"alpha", "beta", "delta"}, None, "alpha beta", 0, False),
    ("one-of-missing", {"alpha"}, {"beta", "gamma"}, "alpha delta", 0, False),
    ("one-of-present", {"alpha"}, {"beta", "gamma"}, "alpha gamma", 1, True),
    ("anchor-alone", {"alpha"}, None, "alpha", 1, True),
]


@pytest.mark.parametrize(
    ("required", "alternatives", "text", "runs", "matched"), [r[1:] for r in RUNS], ids=[r[0] for r in RUNS]
)
def test_checks_run_only_once_the_next_key_is_present(
    required: set[str], alternatives: set[str] | None, text: str, runs: int, matched: bool
) -> None:
    residual = Counted()
    one_of = None if alternatives is None else frozenset(alternatives)
    postings = Postings(document_keys=True)
    postings.add("alpha", 7, Plan(False, frozenset(required), NO_KEYS, one_of, residual))
    found: set[int] = set()
    doc = Document.from_parts(text, "")
    postings.collect(doc.words, doc, found)
    assert residual.calls == runs
    assert found == ({7} if matched else set())


def test_a_query_matched_by_two_keys_is_filed_by_the_second() -> None:
    postings = Postings(document_keys=True)
    postings.add("alpha", 1, make_plan(parse_query("alpha beta")))
    postings.add("alpha", 2, make_plan(parse_query("alpha gamma")))
    postings.add("alpha", 3, make_plan(parse_query("(beta OR gamma) alpha")))
    assert postings.load("alpha") == 3
    for text, expected in [("alpha", set()), ("alpha beta", {1, 3}), ("gamma alpha beta", {1, 2, 3})]:
        doc = Document.from_parts(text, "")
        found: set[int] = set()
        postings.collect(doc.words, doc, found)
        assert found == expected, text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(query_text, min_size=1, max_size=20), st.randoms(use_true_random=False))
def test_discarding_every_query_leaves_the_postings_empty(texts: list[str], order: random.Random) -> None:
    words, prefixes = Postings(document_keys=True), Postings(document_keys=False)
    placed: list[tuple[Postings, str, int, Plan]] = []
    for key, text in enumerate(texts):
        try:
            query = parse_query(text)
        except QueryError:
            continue
        plan = make_plan(query)
        for anchor in frozenset().union(*query.anchor_options):  # every option's: keys shared more
            postings, proper = (prefixes, anchor[1:]) if anchor[0] == "\x00" else (words, anchor)
            postings.add(proper, key, plan)
            placed.append((postings, proper, key, make_plan(query)))  # the plan made again
    order.shuffle(placed)
    for postings, proper, key, plan in placed:
        postings.discard(proper, key, plan)
    assert words.buckets == {} and prefixes.buckets == {}
    assert words.chars == 0


def test_a_plan_needing_only_its_anchor_is_matched_by_it_and_removable() -> None:
    plan = Plan(False, frozenset({"alpha"}), NO_KEYS, None, None)  # as made for "alpha alpha"
    postings = Postings(document_keys=True)
    postings.add("alpha", 7, plan)
    doc = Document.from_parts("alpha", "")
    found: set[int] = set()
    postings.collect(doc.words, doc, found)
    assert found == {7}
    postings.discard("alpha", 7, plan)
    assert postings.buckets == {}


@pytest.mark.parametrize("count", [3, UNION_LIMIT + 6], ids=["one-union", "past-the-union-limit"])
def test_exclusions_under_one_anchor_block_only_their_own_queries(count: int) -> None:
    postings = Postings(document_keys=True)
    plans = {key: make_plan(parse_query(f"alpha -w{key}")) for key in range(count)}
    for key, plan in plans.items():
        postings.add("alpha", key, plan)
    for text, expected in [("alpha", set(plans)), ("alpha w1 w2", set(plans) - {1, 2}), ("w1", set())]:
        doc = Document.from_parts(text, "")
        found: set[int] = set()
        postings.collect(doc.words, doc, found)
        assert found == expected, text
    for key in range(1, count):
        postings.discard("alpha", key, plans[key])
    doc = Document.from_parts("alpha w1", "")
    found = set()
    postings.collect(doc.words, doc, found)
    assert found == {0}
