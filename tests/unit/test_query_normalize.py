"""Normalization run by run between Chinese characters gives exactly the character-by-character folding."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.query.normalize import _fold_char, normalize_text

MIXED = st.text(st.sampled_from("滨州市铝業ＡＢＣÄé\u0301ﬁ，。 a1-\uf9e9"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_normalize_text_equals_folding_each_character(text: str) -> None:
    assert normalize_text(text) == "".join(map(_fold_char, text))


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
