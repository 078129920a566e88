"""A chat's digest as Telegram messages (pure: outbox rows in, messages out).

Each story once (headline linked, source, local time), grouped by subscription, newest first; at most
``MAX_MESSAGES`` messages of at most 4096 visible UTF-16 units each. What does not fit is counted on a last
line that names the ``/recent`` queries showing it; those rows ride with the last message, so they are
settled with it and never make a second digest.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.chat.i18n import Translator, translator
from bot.chat.render import MAX_MESSAGE, RenderedMessage, cut_text, utf16_length
from feeds.values import PendingAlert

MAX_MESSAGES = 3
MAX_TITLE = 300  # visible units of one headline
MAX_QUERY = 120  # visible units of a group's query


@dataclass(frozen=True, slots=True)
class _Line:
    """One line of a digest: its HTML, its visible length, and the outbox row it shows (None: a heading)."""

    markup: str
    plain: str  # the same line for the plain-text fallback (links as ``text <url>``)
    size: int
    alert: PendingAlert | None = None
    also: tuple[int, ...] = ()  # outbox rows of the same story (not expected: UNIQUE(chat, story)) go along


def _heading(query: str | None, subscription_id: int | None, t: Translator) -> _Line:
    label = cut_text(query or t.gettext("other alerts"), MAX_QUERY)
    suffix = f" · #{subscription_id}" if subscription_id is not None else ""
    markup = f"\n<b>{html.escape(label)}</b>{html.escape(suffix)}"
    return _Line(markup, f"\n{label}{suffix}", 1 + utf16_length(label + suffix))


def _story(alert: PendingAlert, zone: ZoneInfo, day: datetime, also: tuple[int, ...], t: Translator) -> _Line:
    item = alert.item
    seen = item.first_seen_at.astimezone(zone)
    when = seen.strftime("%H:%M") if seen.date() == day.date() else t.format_datetime(seen, zone)
    title = cut_text(item.title or t.gettext("(untitled)"), MAX_TITLE)
    tail = f" — {item.feed_name} · {when}"
    headline, plain = html.escape(title), title
    if item.link:
        headline = f'<a href="{html.escape(item.link, quote=True)}">{headline}</a>'
        plain = f"{title} <{item.link}>"
    size = 2 + utf16_length(title + tail)
    return _Line(f"• {headline}{html.escape(tail)}", f"• {plain}{tail}", size, alert, also)


def _lines(alerts: Sequence[PendingAlert], zone: ZoneInfo, slot: datetime, t: Translator) -> list[_Line]:
    """Headings and story lines: groups by subscription id, each group's stories newest first."""
    groups: dict[int | None, list[PendingAlert]] = {}
    twins: dict[int, list[int]] = {}
    for alert in alerts:
        if alert.story_id in twins:
            twins[alert.story_id].append(alert.delivery_id)
        else:
            twins[alert.story_id] = []
            groups.setdefault(alert.subscription_id, []).append(alert)
    day = slot.astimezone(zone)
    lines: list[_Line] = []
    for sub_id in sorted(groups, key=lambda s: (s is None, s or 0)):
        members = sorted(groups[sub_id], key=lambda a: (a.item.first_seen_at, a.item.id), reverse=True)
        lines.append(_heading(members[0].query, sub_id, t))
        lines += [_story(alert, zone, day, tuple(twins[alert.story_id]), t) for alert in members]
    return lines


def _header(count: int, slot: datetime, zone: ZoneInfo, part: int, parts: int, t: Translator) -> str:
    """The first line's text (bold in HTML)."""
    local = slot.astimezone(zone)
    label = t.ngettext(
        "Digest %(time)s (%(zone)s) · %(count)s story",
        "Digest %(time)s (%(zone)s) · %(count)s stories",
        count,
        time=f"{local:%H:%M}",
        zone=zone.key,
        count=count,
    )
    if parts > 1:
        label += f" · {part}/{parts}"
    return label


def _overflow(rest: Sequence[_Line], t: Translator) -> _Line:
    """``…and N more: /recent QUERY, …`` naming each subscription's query once."""
    queries: list[str] = []
    for line in rest:
        query = line.alert.query if line.alert is not None else None
        if query and query not in queries:
            queries.append(query)
    pointer = t.join_list(f"/recent {q}" for q in queries) if queries else "/recent"
    more = t.ngettext(
        "…and %(count)s more: %(where)s",
        "…and %(count)s more: %(where)s",
        len(rest),
        count=len(rest),
        where=pointer,
    )
    text = cut_text(more, MAX_MESSAGE // 4)
    return _Line(f"\n<i>{html.escape(text)}</i>", f"\n{text}", 1 + utf16_length(text))


def _pack(lines: list[_Line], room: int) -> list[list[_Line]]:
    """Lines into at most ``MAX_MESSAGES`` messages of ``room`` units; a heading never ends a message."""
    pages: list[list[_Line]] = [[]]
    used = 0
    for index, line in enumerate(lines):
        need = line.size + 1
        if line.alert is None and index + 1 < len(lines):
            need += lines[index + 1].size + 1  # keep a heading with its first story
        if pages[-1] and used + need > room:
            if len(pages) == MAX_MESSAGES:
                break
            pages.append([])
            used = 0
            if line.alert is not None:  # a group goes on over the break: repeat its heading
                heading = next(h for h in reversed(lines[:index]) if h.alert is None)
                pages[-1].append(heading)
                used += heading.size + 1
        pages[-1].append(line)
        used += line.size + 1
    return pages


def render_digest_messages(
    alerts: Sequence[PendingAlert],
    zone: ZoneInfo,
    slot: datetime,
    limit: int = MAX_MESSAGE,
    *,
    t: Translator | None = None,
) -> list[RenderedMessage]:
    """One digest (the chat's due digest rows) as 1-3 messages in ``t``'s language (English by default);
    every row's id is in exactly one message."""
    if not alerts:
        return []
    t = t or translator()
    lines = _lines(alerts, zone, slot, t)
    stories = sum(1 for line in lines if line.alert is not None)
    room = limit - utf16_length(_header(stories, slot, zone, 9, 9, t)) - 1
    pages = _pack(lines, room)
    shown = {id(line) for page in pages for line in page}
    rest = [line for line in lines if line.alert is not None and id(line) not in shown]
    while rest and sum(line.size + 1 for line in pages[-1]) + _overflow(rest, t).size + 1 > room:
        dropped = pages[-1].pop()
        if dropped.alert is not None:
            rest.insert(0, dropped)
    if rest:
        while pages[-1] and pages[-1][-1].alert is None:
            pages[-1].pop()  # no heading left without stories
        pages[-1].append(_overflow(rest, t))
    pages = [page for page in pages if page]
    last = len(pages)
    return [
        _message(page, _header(stories, slot, zone, n, last, t), rest if n == last else [])
        for n, page in enumerate(pages, start=1)
    ]


def _message(page: list[_Line], header: str, rest: Sequence[_Line]) -> RenderedMessage:
    markup = f"<b>{html.escape(header)}</b>\n" + "\n".join(line.markup for line in page)
    plain = header + "\n" + "\n".join(line.plain for line in page)
    ids = [
        i for line in (*page, *rest) if line.alert is not None for i in (line.alert.delivery_id, *line.also)
    ]
    return RenderedMessage(markup, cut_text(plain, MAX_MESSAGE), tuple(ids))
