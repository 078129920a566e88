"""The parser shortcut for common shapes builds exactly the trees the general parser builds, or declines."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.query import QueryError
from feeds.query.normalize import HAN_STABLE, normalize_text, tokenize
from feeds.query.parser import parse
from feeds.query.shortcut import shortcut
from feeds.script_fold import fold_script

TAKEN = [
    ("word", "Binzhou"),
    ("digits", "5G"),
    ("words", "Binzhou  Shandong\taluminium"),
    ("exclusions", "Binzhou -sports -music"),
    ("prefix", "alumin*"),
    ("prefix-and-word", "alum* Binzhou"),
    ("phrase", '"Weiqiao Pioneering"'),
    ("phrase-punctuation", '"coal-fired, plant"'),
    ("han", "滨州市"),
    ("han-and-latin", "滨州Binzhou"),
    ("accented", "Zürich"),
    ("fullwidth-letters", "Ｂｉｎｚｈｏｕ"),
    ("hyphenated", "coal-fired"),
    ("or", "aluminium OR aluminum"),
    ("or-chain-and-word", "a OR b OR 滨州 c"),
    ("group", "(Binzhou OR Dongying) Shandong"),
    ("group-single", "(Binzhou) Shandong"),
    ("group-or-word", "(a OR b) OR c"),
    ("word-or-group", "c OR (a OR b)"),
    ("or-exclusion", "a OR -b"),
    ("only-exclusion", "-sports"),
    ("lowercase-or", "aluminium or aluminum"),
]


@pytest.mark.parametrize("text", [t[1] for t in TAKEN], ids=[t[0] for t in TAKEN])
def test_shortcut_builds_the_parser_tree(text: str) -> None:
    node = shortcut(text)
    assert node is not None
    assert node == parse(text)


DECLINED = [
    ("field", "title:Binzhou"),
    ("source", "Binzhou source:xinhua"),
    ("not-keyword", "Binzhou NOT sports"),
    ("and-keyword", "Binzhou AND Shandong"),
    ("nested-group", "((a OR b)) c"),
    ("and-in-group", "(a b) c"),
    ("negated-group", "-(a OR b) c"),
    ("glued-group", "(a OR b)c"),
    ("unbalanced", "(a OR b"),
    ("dangling-or", "a OR"),
    ("leading-or", "OR a"),
    ("short-prefix", "al*"),
    ("star-inside", "a*b"),
    ("double-minus", "--a"),
    ("bare-minus", "a - b"),
    ("punctuation-only", "a &"),
    ("empty-phrase", '""'),
    ("unclosed-phrase", '"a b'),
    ("phrase-and-word", '"a b" c'),
    ("typographic-quotes", "“a b”"),
    ("fullwidth-paren", "（a OR b） c"),
    ("fullwidth-colon", "title：a"),
]


@pytest.mark.parametrize("text", [t[1] for t in DECLINED], ids=[t[0] for t in DECLINED])
def test_shortcut_declines_everything_else(text: str) -> None:
    assert shortcut(text) is None


PIECES = [
    "Binzhou",
    "zürich",
    "5G",
    "滨州",
    "滨州Binzhou",
    "coal-fired",
    "alum*",
    "al*",
    "a*b",
    "*",
    "&",
    "-sports",
    "--x",
    "-",
    "OR",
    "AND",
    "NOT",
    "or",
    "(",
    ")",
    "(a",
    "b)",
    "(a)",
    "()",
    '"',
    '"a b"',
    '""',
    "title:",
    "title:x",
    "source:y",
    "10:30",
    "“",
    "（",
    "）",
    "：",
    "－",
    "Ｂｉｎｚｈｏｕ",
]
SPACES = [" ", "  ", "\t", "\u3000", ""]
texts = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SPACES)), min_size=1, max_size=8).map(
    lambda parts: "".join(piece + space for piece, space in parts).strip()
)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(texts, st.text(max_size=40)))
def test_shortcut_agrees_with_the_parser(text: str) -> None:
    if not text.strip():
        return
    text = text.strip()
    node = shortcut(text)
    try:
        expected = parse(text)
    except QueryError:
        assert node is None
        return
    assert node is None or node == expected


def test_shortcut_takes_every_generated_common_shape() -> None:
    """The benchmark's shapes never fall back to the general parser (the speed depends on it)."""
    shapes = ["w", "w v", '"w v"', "滨州市", "w -v -u", "(w OR v OR 滨州) u", "alum* w"]
    assert all(shortcut(shape) is not None for shape in shapes)


def test_han_stable_ideographs_normalize_to_their_script_fold() -> None:
    stable = re.compile(f"[{HAN_STABLE}]")
    chars = [chr(code) for code in range(0x3000, 0xA000) if stable.match(chr(code))]
    assert len(chars) == (0x4DC0 - 0x3400) + (0xA000 - 0x4E00)
    folded = [fold_script(char) for char in chars]
    assert all(normalize_text(c) == f and tokenize(f) == [f] for c, f in zip(chars, folded, strict=True))
