"""Alerts and grouped messages in the chat's language: labels and dates translated, content never."""

from __future__ import annotations

import pytest

from bot.chat.i18n import translator
from bot.chat.render import render_alert, render_digest
from storage.store import StorySource
from tests.test_render import make_alert, telegram_text

SOURCES = [StorySource("Acme Wire", None), StorySource("PR Wire", None)]


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["Jan 27, 08:30 UTC", "also on: PR Wire", "matched: <code>solar</code>"]),
        ("zh-Hans", ["1月27日 08:30 UTC", "另见于：PR Wire", "匹配：<code>solar</code>"]),
        ("zh-Hant", ["1月27日 08:30 UTC", "另見於：PR Wire", "符合：<code>solar</code>"]),
    ],
)
def test_alert_labels_and_date_in_the_chat_language(language: str, labels: list[str]) -> None:
    message = render_alert(make_alert(), SOURCES, spans=[], t=translator(language))
    telegram_text(message)
    for label in labels:
        assert label in message.html
    assert "Acme opens a solar plant" in message.html  # the headline as the wire wrote it
    assert "Acme opened a solar plant in Binzhou." in message.html


@pytest.mark.parametrize(
    ("language", "untitled"), [("en", "(untitled)"), ("zh-Hans", "（无标题）"), ("zh-Hant", "（無標題）")]
)
def test_untitled_in_the_chat_language(language: str, untitled: str) -> None:
    assert untitled in render_alert(make_alert(title=""), spans=[], t=translator(language)).html


@pytest.mark.parametrize(
    ("language", "header", "split_header"),
    [
        ("en", "7 new alerts", "300 new alerts (part 1/"),
        ("zh-Hans", "7 条新提醒", "300 条新提醒（第 1/"),
        ("zh-Hant", "7 則新提醒", "300 則新提醒（第 1/"),
    ],
)
def test_grouped_messages_in_the_chat_language(language: str, header: str, split_header: str) -> None:
    t = translator(language)
    [message] = render_digest([make_alert(i, link=f"https://e.com/{i}") for i in range(1, 8)], t=t)
    assert telegram_text(message).startswith(header)
    many = render_digest([make_alert(i, link=f"https://e.com/{i}") for i in range(1, 301)], t=t)
    assert len(many) > 1 and telegram_text(many[0]).startswith(split_header)
    assert sorted(d for m in many for d in m.delivery_ids) == list(range(1, 301))
