"""Alert rendering: Telegram HTML for one alert or a grouped digest, plain-text fallbacks, terminal text.

Every feed and user string goes through ``html.escape``. Telegram limits a message to 4096 characters of
*visible* text (after entity parsing, counted in UTF-16 code units); ``visible_length`` measures that and the
renderers cut the summary first, then the other long parts, until the message fits.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, tzinfo
from html.parser import HTMLParser
from typing import Any

from bot.chat.buttons import Keyboard, alert_buttons, group_buttons
from bot.chat.i18n import Translator, translator
from feeds.excerpt import Excerpt, matched_sentence
from feeds.models import Item
from feeds.query import Query, QueryError, highlight_spans, parse_query, unshown_spans
from feeds.values import PendingAlert, StorySource

MAX_MESSAGE = 4096
_ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？]")

Spans = Sequence[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One message to send: HTML, its plain-text fallback, the outbox rows it delivers, its buttons."""

    html: str
    plain: str
    delivery_ids: tuple[int, ...]
    buttons: Keyboard = ()


# --- measuring and converting ----------------------------------------------------------------------------
class _TextExtractor(HTMLParser):
    """Visible text of Telegram HTML; optionally marks bold as ``*x*`` and links as ``x <url>``."""

    def __init__(self, *, bold_marker: str, show_links: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._bold = bold_marker
        self._show_links = show_links
        self._hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("b", "strong"):
            self.parts.append(self._bold)
        elif tag == "a":
            self._hrefs.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("b", "strong"):
            self.parts.append(self._bold)
        elif tag == "a" and self._hrefs:
            href = self._hrefs.pop()
            if self._show_links and href:
                self.parts.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _extract(markup: str, *, bold_marker: str, show_links: bool) -> str:
    parser = _TextExtractor(bold_marker=bold_marker, show_links=show_links)
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the way Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(markup: str) -> int:
    """Length of the text Telegram shows for this HTML (tags dropped, entities decoded), in UTF-16 units."""
    return utf16_length(_extract(markup, bold_marker="", show_links=False))


def html_to_terminal(markup: str) -> str:
    """Telegram HTML as terminal text: bold as ``*text*``, links as ``text <url>``, entities decoded."""
    return _extract(markup, bold_marker="*", show_links=True)


def html_to_plain(markup: str) -> str:
    """Telegram HTML as a plain-text message (no markup at all), cut to fit one message."""
    return cut_text(_extract(markup, bold_marker="", show_links=True), MAX_MESSAGE)


def cut_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-16 units, at a word boundary when one is near, with ``…``."""
    if utf16_length(text) <= limit:
        return text
    if limit <= 0:
        return ""
    keep = _longest_prefix(text, limit - 1)
    cut = text[:keep]
    space = cut.rfind(" ")
    if space > keep * 0.6:
        cut = cut[:space]
    return cut.rstrip() + _ELLIPSIS


def _longest_prefix(text: str, limit: int) -> int:
    """Number of characters of ``text`` whose UTF-16 length is at most ``limit``."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _parsed(query_text: str | None) -> Query | None:
    if not query_text:
        return None
    try:
        return parse_query(query_text)
    except QueryError:
        return None


def query_spans(query_text: str | None, text: str) -> list[tuple[int, int]]:
    """Spans of the query's positive terms in ``text`` (none when the query is missing or invalid)."""
    query = _parsed(query_text)
    return highlight_spans(query, text) if query else []


def alert_sentence(query_text: str | None, item: Item, summary: str) -> Excerpt | None:
    """The body's sentence around the first match of a term that neither the headline nor ``summary``
    (what the alert shows) holds; None when every matched term is shown, or nothing matched."""
    query = _parsed(query_text)
    if query is None or not item.body:
        return None
    return matched_sentence(item.body, unshown_spans(query, (item.title, summary), item.body))


# --- one alert -----------------------------------------------------------------------------------------
def alert_summary(item: Item, max_sentences: int = 3) -> str:
    """The item's summary, or else the first one to three sentences of its body."""
    if item.summary.strip():
        return item.summary.strip()
    body = item.body.strip()
    ends = [match.end() for match in _SENTENCE_END.finditer(body)]
    return body[: ends[max_sentences - 1]] if len(ends) >= max_sentences else body


def bold_spans(text: str, spans: Spans) -> str:
    """``text`` escaped, with the given ``(start, end)`` spans wrapped in ``<b>``; bad spans are skipped."""
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f"<b>{html.escape(text[start:end])}</b>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _link(text: str, url: str | None) -> str:
    """``text`` escaped, linked to ``url`` when there is one."""
    if not url:
        return html.escape(text)
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(text)}</a>'


def _meta_line(item: Item, t: Translator, zone: tzinfo) -> str:
    """Source feed, dateline place and publication time (in the chat's locale and zone), escaped."""
    parts = [item.feed_name]
    if item.dateline.place:
        parts.append(item.dateline.place)
    parts.append(t.format_zoned(item.published_at, zone))
    return html.escape(" · ".join(parts))


def _also_on(item: Item, sources: Sequence[StorySource], t: Translator) -> str:
    """Other wires that carried the story, de-duplicated, in order."""
    names: list[str] = []
    for source in sources:
        if source.feed_name != item.feed_name and source.feed_name not in names:
            names.append(source.feed_name)
    return t.join_list(names)


@dataclass(frozen=True, slots=True)
class _AlertParts:
    title: str
    summary: str
    spans: Spans
    also_on: str
    query: str
    sentence: str = ""
    sentence_spans: Spans = ()


def _alert_html(item: Item, parts: _AlertParts, t: Translator, zone: tzinfo) -> str:
    lines = [f"<b>{_link(parts.title or t.gettext('(untitled)'), item.link)}</b>", _meta_line(item, t, zone)]
    if parts.summary:
        lines += ["", bold_spans(parts.summary, parts.spans)]
    if parts.sentence:
        lines += [f"<blockquote>{bold_spans(parts.sentence, parts.sentence_spans)}</blockquote>"]
    tail = []
    if parts.also_on:
        tail.append(t.gettext("also on: %(feeds)s", feeds=html.escape(parts.also_on)))
    if parts.query:
        tail.append(t.gettext("matched: <code>%(query)s</code>", query=html.escape(parts.query)))
    if tail:
        lines += ["", *tail]
    return "\n".join(lines)


def render_alert(
    alert: PendingAlert,
    sources: Sequence[StorySource] = (),
    *,
    spans: Spans | None = None,
    t: Translator | None = None,
    zone: tzinfo = UTC,
    translate: bool = False,
) -> RenderedMessage:
    """One alert as HTML: linked bold headline, source/place/time, summary with matches in bold, extras.

    ``spans`` are the matched terms in ``alert_summary(alert.item)``; by default they come from the query.
    A term matched only further down the body adds its sentence, quoted (``alert_sentence``).
    Labels and the date are in ``t``'s language (English by default), the time in the chat's ``zone``
    with its abbreviation; the content is never translated here: ``translate`` (a translator is
    configured) adds the Translate button when the languages differ."""
    t = t or translator()
    item = alert.item
    summary = alert_summary(item)
    if spans is None:
        spans = query_spans(alert.query, summary)
    excerpt = alert_sentence(alert.query, item, summary)
    parts = _AlertParts(
        item.title,
        summary,
        spans,
        _also_on(item, sources, t),
        alert.query or "",
        excerpt.text if excerpt else "",
        excerpt.spans if excerpt else (),
    )
    markup = _fit(lambda p: _alert_html(item, p, t, zone), parts)
    buttons = alert_buttons(alert, t, translate=translate)
    return RenderedMessage(markup, html_to_plain(markup), (alert.delivery_id,), buttons)


def _fit(build: Callable[[_AlertParts], str], parts: _AlertParts) -> str:
    """Build the message, cutting summary, sentence, also-on, title and query until it fits the limit."""
    markup = build(parts)
    for field in ("summary", "sentence", "also_on", "title", "query"):
        excess = visible_length(markup) - MAX_MESSAGE
        if excess <= 0:
            return markup
        value: str = getattr(parts, field)
        shorter = cut_text(value, max(0, utf16_length(value) - excess))
        cut: dict[str, Any] = {field: shorter}
        parts = replace(parts, **cut)
        markup = build(parts)
    return markup


# --- grouped digest ------------------------------------------------------------------------------------
def _digest_line(alert: PendingAlert, budget: int, t: Translator) -> str:
    """``• headline (linked) — source``, the headline cut so the line fits ``budget`` visible units."""
    item = alert.item
    source = f" — {item.feed_name}"
    title = cut_text(item.title or t.gettext("(untitled)"), max(1, budget - 2 - utf16_length(source)))
    return f"• {_link(title, item.link)}{html.escape(source)}"


def _digest_header(count: int, part: int, parts: int, t: Translator) -> str:
    if parts == 1:
        label = t.ngettext("%(count)s new alert", "%(count)s new alerts", count, count=count)
    else:
        label = t.ngettext(
            "%(count)s new alert (part %(part)s/%(parts)s)",
            "%(count)s new alerts (part %(part)s/%(parts)s)",
            count,
            count=count,
            part=part,
            parts=parts,
        )
    return f"<b>{html.escape(label)}</b>"


def render_digest(
    alerts: Sequence[PendingAlert], limit: int = MAX_MESSAGE, *, t: Translator | None = None
) -> list[RenderedMessage]:
    """Many alerts for one chat as grouped messages; each alert lands in exactly one message, in order."""
    t = t or translator()
    header_room = visible_length(_digest_header(len(alerts), 9999, 9999, t)) + 2
    chunks: list[list[tuple[PendingAlert, str]]] = [[]]
    used = header_room
    for alert in alerts:
        line = _digest_line(alert, limit - header_room, t)
        size = visible_length(line) + 1
        if chunks[-1] and used + size > limit:
            chunks.append([])
            used = header_room
        chunks[-1].append((alert, line))
        used += size
    messages = []
    for number, chunk in enumerate(chunks, start=1):
        header = _digest_header(len(alerts), number, len(chunks), t)
        markup = header + "\n\n" + "\n".join(line for _, line in chunk)
        ids = tuple(alert.delivery_id for alert, _ in chunk)
        buttons = group_buttons([alert for alert, _ in chunk], t)
        messages.append(RenderedMessage(markup, html_to_plain(markup), ids, buttons))
    return messages
