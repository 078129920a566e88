"""The matched sentence: the body's sentence around a term the headline and summary don't show."""

from __future__ import annotations

import pytest

from bot.chat.render import render_alert
from feeds.excerpt import SENTENCE_LIMIT, matched_sentence
from feeds.query import parse_query, unshown_spans
from tests.fake_telegram import HtmlValidator
from tests.unit.test_render import make_alert

FIFTH = (
    "Acme opened a plant. It makes panels.\n\nIt employs 300 people.\n\nSales grew.\n\n"
    "The second plant will be built in Binzhou, Shandong, next year. Acme thanks its partners."
)


def _sentence(query: str, text: str, shown: tuple[str, ...] = ()) -> str | None:
    """The excerpt with its bold spans in brackets."""
    excerpt = matched_sentence(text, unshown_spans(parse_query(query), shown, text))
    if excerpt is None:
        return None
    out, pos = [], 0
    for a, b in excerpt.spans:
        out += [excerpt.text[pos:a], f"[{excerpt.text[a:b]}]"]
        pos = b
    return "".join([*out, excerpt.text[pos:]])


@pytest.mark.parametrize(
    ("query", "text", "shown", "expected"),
    [
        pytest.param(
            "binzhou",
            FIFTH,
            (),
            "The second plant will be built in [Binzhou], Shandong, next year.",
            id="fifth-paragraph",
        ),
        pytest.param("binzhou", FIFTH, ("Plant in Binzhou",), None, id="shown-in-headline"),
        pytest.param("acme", FIFTH, ("Acme news",), None, id="shown-term-adds-nothing"),
        pytest.param(
            "acme binzhou",
            FIFTH,
            ("Acme news",),
            "The second plant will be built in [Binzhou], Shandong, next year.",
            id="only-the-unshown-term",
        ),
        pytest.param(
            "滨州", "山东新闻。公司在滨州市建厂！其他。", (), "公司在[滨州]市建厂！", id="cjk-sentence"
        ),
        pytest.param("nothing", FIFTH, (), None, id="no-match"),
        pytest.param(
            "binzhou",
            "Plants in Binzhou and binzhou again. Done.",
            (),
            "Plants in [Binzhou] and [binzhou] again.",
            id="every-match-bold",
        ),
    ],
)
def test_sentence(query: str, text: str, shown: tuple[str, ...], expected: str | None) -> None:
    assert _sentence(query, text, shown) == expected


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        pytest.param("word " * 120 + "Binzhou is here " + "more " * 120 + ".", " ", id="latin-cut-at-spaces"),
        pytest.param("山东省" * 80 + "滨州市" + "发布会" * 80 + "。", "", id="cjk-cut-anywhere"),
    ],
)
def test_long_sentence_is_cut_at_boundaries(text: str, ends: str) -> None:
    start = text.index("Binzhou") if "Binzhou" in text else text.index("滨州")
    span = (start, start + (7 if "Binzhou" in text else 2))
    excerpt = matched_sentence(text, [span])
    assert excerpt is not None
    assert len(excerpt.text) <= SENTENCE_LIMIT
    assert excerpt.text.startswith("…") and excerpt.text.endswith("…")
    a, b = excerpt.spans[0]
    assert excerpt.text[a:b] == text[span[0] : span[1]]
    if ends:
        inner = excerpt.text[1:-1]
        assert all(word in ("word", "more", "Binzhou", "is", "here") for word in inner.split())


def test_alert_quotes_the_sentence_escaped_and_bold() -> None:
    body = "Intro. Nothing here.\n\nLater, <Binzhou> & partners signed. End."
    message = render_alert(make_alert(query="binzhou", body=body, summary="Acme opened a plant."))
    assert "<blockquote>Later, &lt;<b>Binzhou</b>&gt; &amp; partners signed.</blockquote>" in message.html
    HtmlValidator().plain_text(message.html)


def test_alert_without_hidden_match_is_unchanged() -> None:
    message = render_alert(make_alert(query="solar"))
    assert "<blockquote>" not in message.html
