"""/trend, the spike alert's chart and ``wirewatch trend``: counts from the store, a chart, a caption.

``load_trend`` (synchronous: callers run it off the event loop) counts stories per day of a query in a
zone, covering the previous period of the same length and the week before for the moving average;
``draw`` turns one to four of them into a PNG (matplotlib: run it off the loop too); ``caption`` writes
the total, the change against the previous period and the peak day of each, within Telegram's 1024.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from bot.chat.charts import LETTERS, Chart, ChartWords, Series, trend_chart
from bot.chat.i18n import Translator
from bot.chat.ports import TrendStore
from bot.chat.render import visible_length
from bot.chat.replies import MAX_CAPTION, echo
from feeds.query import Query
from feeds.trends import AVERAGE_DAYS, Trend, trend

DEFAULT_DAYS = 30
MAX_DAYS = 365
MAX_QUERIES = 4


@dataclass(frozen=True, slots=True)
class QueryTrend:
    """One query's trend, under the text it was asked with."""

    label: str
    trend: Trend


def load_trend(store: TrendStore, query: Query, *, days: int, last_day: date, zone: ZoneInfo) -> Trend:
    """The trend of the ``days`` local days up to ``last_day``, with the period before for comparison."""
    span = days + max(days, AVERAGE_DAYS)
    first = last_day - timedelta(days=span - 1)
    return trend(store.daily_counts(query, first_day=first, days=span, zone=zone, releases=False), days)


def chart_words(t: Translator) -> ChartWords:
    """The words of the image in the chat's language."""
    return ChartWords(
        bars=t.gettext("stories per day"),
        average=t.gettext("7-day average"),
        spike=t.gettext("unusual day"),
        several=t.gettext("Stories per day"),
        one_query=t.gettext("%(letter)s: stories per day", letter="%(letter)s"),
        average_of=t.gettext("%(query)s, 7-day average", query="%(query)s"),
        y_title=t.gettext("Stories per day"),
        locale=str(t.locale),
    )


def draw(trends: Sequence[QueryTrend], t: Translator) -> Chart:
    """The chart of one to four trends over the same days (blocking: run it off the event loop)."""
    days = trends[0].trend.days
    series = [Series(q.label, q.trend.counts, q.trend.average, q.trend.spikes) for q in trends]
    title = trends[0].label if len(trends) == 1 else t.gettext("Stories per day")
    return trend_chart(days, series, title=title, words=chart_words(t))


def format_day(day: date, t: Translator) -> str:
    """A day in the locale's short form: ``Nov 28`` / ``11月28日``."""
    return format_skeleton("MMMd", day, locale=t.locale)


def change_text(one: Trend, t: Translator) -> str:
    """The change of the total against the previous period of the same length, in words."""
    change = one.change
    if change is None:
        return t.gettext("none in the previous %(days)s days", days=len(one.counts))
    if round(change * 100) == 0:
        return t.gettext("the same as the previous %(days)s days", days=len(one.counts))
    percent = f"{change * 100:+.0f}%".replace("-", "−")
    return t.gettext(
        "%(change)s against the previous %(days)s days (%(previous)s)",
        change=percent,
        days=len(one.counts),
        previous=one.previous_total,
    )


def _line(one: QueryTrend, t: Translator, letter: str | None, width: int) -> str:
    name = f"{letter}: " if letter else ""
    total = t.ngettext("%(count)s story", "%(count)s stories", one.trend.total, count=one.trend.total)
    parts = [f"{name}<code>{echo(one.label, width)}</code> — {total}", change_text(one.trend, t)]
    if one.trend.peak is not None:
        day, count = one.trend.peak
        parts.append(t.gettext("peak %(day)s (%(count)s)", day=format_day(day, t), count=count))
    return t.join_clauses(parts)


def caption(trends: Sequence[QueryTrend], t: Translator, zone: ZoneInfo, legend: dict[str, str]) -> str:
    """The caption: a heading, then one line per query (lettered when the image shows letters)."""
    days = len(trends[0].trend.counts)
    heading = t.ngettext(
        "<b>Stories per day</b>, last %(days)s day (%(zone)s)",
        "<b>Stories per day</b>, last %(days)s days (%(zone)s)",
        days,
        days=days,
        zone=zone.key,
    )
    letters: list[str | None] = [LETTERS[i] if legend else None for i in range(len(trends))]
    for width in (120, 60, 30):
        text = "\n".join([heading, *(_line(q, t, letters[i], width) for i, q in enumerate(trends))])
        if visible_length(text) <= MAX_CAPTION:
            return text
    return text[:MAX_CAPTION]  # not reached: four 30-character lines fit with room to spare
