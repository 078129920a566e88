"""Normalization run by run between Chinese characters gives exactly the character-by-character folding."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.query.normalize import (
    CJK_CHAR,
    TOKEN_RE,
    _fold_char,
    normalize_text,
    tokenize,
    tokenize_with_pairs,
)

MIXED = st.text(st.sampled_from("滨州市铝業ＡＢＣÄé\u0301ﬁ，。 a1-\uf9e9"), max_size=40)
# no Han: lower-cased first, then its non-ASCII stretches folded (final sigma, Kelvin, dotted I, Cherokee)
LATIN = st.text(st.sampled_from("AZaz09 -.’“Σσς\u212aİıẞß\u13a0\uab70ǅﬁÉé\u0301ÅЖжΩ\u200b\t"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(MIXED | LATIN | st.text(max_size=40))
def test_normalize_text_equals_folding_each_character(text: str) -> None:
    assert normalize_text(text) == "".join(map(_fold_char, text))


@settings(max_examples=300, deadline=None)
@given(MIXED | LATIN | st.text(max_size=40))
def test_tokens_are_the_words_and_cjk_characters_of_each_run(text: str) -> None:
    """Text without a CJK character is split by one ``findall``; the tokens stay what splitting each run of
    letters and digits into words and single CJK characters gives."""
    normalized = normalize_text(text)
    runs = re.findall(r"[^\W_]+", normalized)
    expected = [part for run in runs for part in TOKEN_RE.findall(run)]
    tokens, pairs, words = tokenize_with_pairs(normalized)
    assert tokenize(normalized) == tokens == expected
    assert words == [token for token in tokens if not (len(token) == 1 and CJK_CHAR.match(token))]
    if CJK_CHAR.search(normalized) is None:  # the matcher's Document tells "no CJK at all" by identity
        assert words is tokens and pairs == frozenset()


def test_folding_a_lower_case_is_folding_the_character() -> None:
    """What lets text without Han be lower-cased before it is folded: for every code point whose lower case
    differs, folding the lower case gives the character's folding (and lower-case ASCII folds to itself)."""
    changed = [chr(code) for code in range(0x110000) if chr(code).lower() != chr(code)]
    assert len(changed) > 1000
    assert [c for c in changed if "".join(map(_fold_char, c.lower())) != _fold_char(c)] == []
    assert all(_fold_char(c) == c for c in map(chr, range(128)) if not c.isupper())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("山东省滨州市，ＡＢＣ公司", "山东省滨州市,abc公司"),
        ("Zürich", "zurich"),
        ("滨州Straße", "滨州strasse"),
        ("\uf9e9江", "\u91cc江"),  # a compatibility ideograph folds to the unified one
    ],
    ids=["han-with-fullwidth", "latin-only", "han-then-latin", "compatibility-ideograph"],
)
def test_normalize_text_examples(text: str, expected: str) -> None:
    assert normalize_text(text) == expected
