"""Explanations and highlight spans point at the ORIGINAL text, whatever normalization did to lengths."""

from __future__ import annotations

from itertools import pairwise

import pytest

from feeds.query import Document, Explanation, MatchedTerm, highlight_spans, parse_query


def spans_text(text: str, spans: tuple[tuple[int, int], ...] | list[tuple[int, int]]) -> list[str]:
    return [text[start:end] for start, end in spans]


EXPLAIN = [
    # (id, query, title, body, expected [(term, field, [original substrings])])
    (
        "title-and-body",
        "Binzhou",
        "Binzhou news",
        "In Binzhou, binzhou.",
        [("binzhou", "title", ["Binzhou"]), ("binzhou", "body", ["Binzhou", "binzhou"])],
    ),
    (
        "phrase-spans-separators",
        '"Weiqiao Pioneering"',
        "",
        "The Weiqiao,\nPioneering group",
        [("weiqiao pioneering", "body", ["Weiqiao,\nPioneering"])],
    ),
    ("sharp-s-expands", "strasse", "", "Große Straße 5", [("strasse", "body", ["Straße"])]),
    ("ligature-expands", "finance", "", "ﬁnance ﬁnance", [("finance", "body", ["ﬁnance", "ﬁnance"])]),
    ("fullwidth", "binzhou", "", "在Ｂｉｎｚｈｏｕ市", [("binzhou", "body", ["Ｂｉｎｚｈｏｕ"])]),
    ("cjk", "滨州", "", "山东省滨州市", [("滨州", "body", ["滨州"])]),
    (
        "prefix-whole-word",
        "alumin*",
        "",
        "Aluminium and aluminum",
        [("alumin*", "body", ["Aluminium", "aluminum"])],
    ),
    (
        "only-true-or-branch",
        "(Binzhou Hebei) OR Shandong",
        "",
        "Binzhou Shandong",
        [("shandong", "body", ["Shandong"])],
    ),
    ("title-field-only", "title:Binzhou", "Binzhou", "Binzhou", [("binzhou", "title", ["Binzhou"])]),
    ("negation-not-listed", "Binzhou -sports", "", "Binzhou", [("binzhou", "body", ["Binzhou"])]),
]


@pytest.mark.parametrize(
    ("query", "title", "body", "expected"), [e[1:] for e in EXPLAIN], ids=[e[0] for e in EXPLAIN]
)
def test_explain_gives_terms_fields_and_original_spans(
    query: str, title: str, body: str, expected: list[tuple[str, str, list[str]]]
) -> None:
    explanation = parse_query(query).explain(Document.from_parts(title, body))
    assert explanation is not None
    texts = {"title": title, "body": body}
    got = [(m.term, m.field, spans_text(texts[m.field], m.spans)) for m in explanation.terms]
    assert got == expected


def test_explain_is_none_without_a_match() -> None:
    assert parse_query("Binzhou -sports").explain(Document.from_parts("Binzhou sports", "")) is None


def test_explanation_summary_for_the_matched_line() -> None:
    explanation = Explanation(
        (MatchedTerm("binzhou", "title", ((0, 7),)), MatchedTerm("binzhou", "body", ((3, 10),)))
    )
    assert explanation.summary() == "binzhou (title, body)"


HIGHLIGHTS = [
    ("words", "Binzhou Shandong", "Binzhou, in Shandong", ["Binzhou", "Shandong"]),
    ("whole-words-only", "coal", "coalition coal-fired", ["coal"]),
    ("merged-overlap", '"Weiqiao Pioneering" Pioneering', "Weiqiao Pioneering", ["Weiqiao Pioneering"]),
    ("negation-not-bold", "Binzhou -sports", "Binzhou sports", ["Binzhou"]),
    ("title-terms-too", "title:Binzhou", "Binzhou", ["Binzhou"]),
    ("expanded-chars", "strasse", "Straße ß", ["Straße"]),
    ("cjk-and-latin", "滨州 Binzhou", "滨州Binzhou市", ["滨州Binzhou"]),
    ("nothing", "Binzhou", "Dongying", []),
]


@pytest.mark.parametrize(
    ("query", "text", "expected"), [h[1:] for h in HIGHLIGHTS], ids=[h[0] for h in HIGHLIGHTS]
)
def test_highlight_spans(query: str, text: str, expected: list[str]) -> None:
    spans = highlight_spans(parse_query(query), text)
    assert spans == sorted(spans)
    assert all(a_end < b_start for (_, a_end), (b_start, _) in pairwise(spans))
    assert spans_text(text, spans) == expected
