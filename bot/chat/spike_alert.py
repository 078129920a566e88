"""The spike alert as the chat reads it: one line of numbers, the subscription's chart attached."""

from __future__ import annotations

from bot.chat.i18n import DEFAULT_LANGUAGE, Translator, translator
from bot.chat.language import stored_language
from bot.chat.ports import SpikeChartStore
from bot.chat.render import visible_length
from bot.chat.replies import MAX_CAPTION, Attachment, Reply, echo
from bot.chat.trend_view import DEFAULT_DAYS, QueryTrend, caption, draw, load_trend
from bot.offload import off_loop
from feeds.query import parse_query
from feeds.values import SpikeAlert


def spike_line(alert: SpikeAlert, t: Translator) -> str:
    """ "Unusual volume for Binzhou: 9 stories today (7-day average 1.4)"."""
    return t.ngettext(
        "Unusual volume for <b>%(query)s</b>: %(count)s story today (7-day average %(average)s)",
        "Unusual volume for <b>%(query)s</b>: %(count)s stories today (7-day average %(average)s)",
        alert.stories,
        query=echo(alert.query, 80),
        count=alert.stories,
        average=f"{alert.average:.1f}",
    )


class SpikeRenderer:
    """Builds the alert of a claimed spike row in the chat's language and zone (chart drawn off the loop)."""

    def __init__(
        self, store: SpikeChartStore, default_language: str = DEFAULT_LANGUAGE, days: int = DEFAULT_DAYS
    ) -> None:
        self._store = store
        self._default_language = default_language
        self._days = days

    async def __call__(self, alert: SpikeAlert) -> Reply:
        chat = await off_loop(self._store.get_chat, alert.chat_id)
        t = translator(stored_language(chat, self._default_language))
        zone = (await off_loop(self._store.chat_volume, alert.chat_id)).zone
        query = parse_query(alert.query)
        one = await off_loop(load_trend, self._store, query, days=self._days, last_day=alert.day, zone=zone)
        trends = [QueryTrend(alert.query, one)]
        chart = await off_loop(draw, trends, t)
        text = spike_line(alert, t) + "\n" + caption(trends, t, zone, chart.legend)
        if visible_length(text) > MAX_CAPTION:
            text = spike_line(alert, t)
        return Reply(text, attachment=Attachment("photo", chart.png, "spike.png"))
