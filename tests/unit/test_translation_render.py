"""The translated reply: escaped like feed text, cut to one message, credited; the metrics it counts."""

from __future__ import annotations

import pytest

from bot.chat.i18n import translator
from bot.chat.render import MAX_MESSAGE, visible_length
from bot.chat.translate_chat import translation_html, unavailable_text
from bot.ops.metrics import Metrics
from feeds.translation import Translation, Unavailable
from tests.fake_telegram import HtmlValidator


@pytest.mark.parametrize(
    ("title", "summary", "sentence"),
    [
        pytest.param("<b>x</b> & <a href='y'>", "</i><script>", "<blockquote>", id="markup"),
        pytest.param("t" * 200_000, "s " * 200_000, "w" * 200_000, id="huge"),
        pytest.param("", "", "", id="empty"),
    ],
)
def test_translation_fits_and_parses(title: str, summary: str, sentence: str) -> None:
    html = translation_html(
        Translation("zh-Hans", "DeepL", "en", title, summary, sentence), translator("zh-Hans")
    )
    HtmlValidator().plain_text(html)  # raises on markup Telegram would refuse
    assert visible_length(html) <= MAX_MESSAGE
    assert html.endswith("<i>机器翻译：DeepL</i>")


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (Unavailable.QUOTA, "translation unavailable: quota reached — try tomorrow"),
        (
            Unavailable.TIMEOUT,
            "translation unavailable: the translator did not answer — try again in a minute",
        ),
        (None, "translation unavailable: the translator did not answer — try again in a minute"),
    ],
)
def test_unavailable_lines(reason: Unavailable | None, text: str) -> None:
    assert unavailable_text(reason, translator("en")) == text


def test_metrics() -> None:
    metrics = Metrics()
    metrics.translation("DeepL", "ok", 120)
    metrics.translation("DeepL", "cached", 0)
    get = metrics.registry.get_sample_value
    assert get("wirewatch_translations_total", {"provider": "DeepL", "result": "ok"}) == 1
    assert get("wirewatch_translations_total", {"provider": "DeepL", "result": "cached"}) == 1
    assert get("wirewatch_translated_characters_total", {"provider": "DeepL"}) == 120
