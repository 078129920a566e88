"""The /trend chart: numbers in, PNG bytes out (matplotlib, Agg canvas, no pyplot global state).

1200×600 pixels, readable on a phone: large fonts, no frame or chart junk, a y-axis title, the x axis
naming the month of every tick (``Dec 8`` / ``12月8日``; months, with the year in January, over long
ranges). One query: stories per day as bars, the 7-day moving average as a labelled line, spike days
marked. Two to four queries: per query, its stories per day as a thin line with its own marker (nudged
sideways so identical series stay visible) and its 7-day average as a thick line of the same colour,
labelled as such. Query text and words in Chinese, Japanese or Korean are drawn with a CJK font
(``find_cjk_font``: Debian's ``fonts-noto-cjk``); without one, the series are labelled A, B, C… in the
image, ``Chart.legend`` maps the letters to the queries for the caption, and the words fall back to
English. Drawing takes a few hundred milliseconds: callers run it off the event loop.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from babel.dates import format_skeleton
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image

logger = logging.getLogger(__name__)

WIDTH, HEIGHT, DPI = 1200, 600, 100
MAX_BYTES = 200_000
MAX_SERIES = 4
LETTERS = "ABCD"
CJK_FONT_NAMES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK",
    "Noto Sans SC",
    "Noto Sans JP",
    "Noto Sans KR",
    "Source Han Sans",
    "WenQuanYi",
    "Droid Sans Fallback",
    "AR PL",
)
BASE_FAMILY = "DejaVu Sans"
COLORS = ("#1f6fb4", "#d9591a", "#2e9e4f", "#8e44ad")
MARKERS = ("o", "s", "^", "D")
AVERAGE_STYLES = ("-", "--", "-.", ":")  # a dashed average over an equal one leaves the one below visible
CJK_FILE_HINTS = ("CJK", "cjk", "wqy", "DroidSansFallback", "SourceHan")
LONG_RANGE_DAYS = 120  # beyond this, ticks are months
BAR_COLOR, AVERAGE_COLOR, SPIKE_COLOR = "#9cc3e6", "#1f4e79", "#c0392b"

FontFinder = Callable[[], str | None]
"""Returns the family name of an installed font with CJK glyphs, or None."""


@dataclass(frozen=True, slots=True)
class Series:
    """One query's numbers: stories per day, its moving average (one value per day) and spike days."""

    label: str
    counts: Sequence[int]
    average: Sequence[float] = ()
    spikes: Sequence[date] = ()


@dataclass(frozen=True, slots=True)
class Chart:
    """PNG bytes; ``legend`` maps letters drawn instead of CJK query text to that text (else empty)."""

    png: bytes
    legend: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChartWords:
    """The words drawn in the image besides query text (translated by the caller; English without a CJK
    font when they need one). ``one_query`` is the title of a one-query chart drawn with a letter."""

    bars: str = "stories per day"
    average: str = "7-day average"
    spike: str = "unusual day"
    several: str = "Stories per day"
    one_query: str = "%(letter)s: stories per day"
    average_of: str = "%(query)s, 7-day average"
    y_title: str = "Stories per day"
    locale: str = "en"  # of the dates on the x axis

    def needs_cjk(self) -> bool:
        words = (self.bars, self.average, self.spike, self.several, self.average_of, self.y_title)
        return any(needs_cjk(word) for word in words) or self.locale.startswith(("zh", "ja", "ko"))


ENGLISH = ChartWords()


@cache
def find_cjk_font() -> str | None:
    """The family name of the first installed CJK-capable font known by name, else None.

    Matplotlib caches its font list: a font installed after that cache was written is looked for among
    the system's font files and added."""
    found = _known_cjk_font()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(hint in path for hint in CJK_FILE_HINTS):
                font_manager.fontManager.addfont(path)
        found = _known_cjk_font()
    return found


def _known_cjk_font() -> str | None:
    for wanted in CJK_FONT_NAMES:
        for font in font_manager.fontManager.ttflist:
            if font.name.startswith(wanted):
                return str(font.name)
    return None


def needs_cjk(text: str) -> bool:
    """Whether ``text`` has characters the base font lacks (CJK, kana, Hangul, full-width forms)."""
    return any(ord(char) >= 0x2E80 for char in text)


def trend_chart(
    days: Sequence[date],
    series: Sequence[Series],
    *,
    title: str,
    find_font: FontFinder = find_cjk_font,
    words: ChartWords = ENGLISH,
) -> Chart:
    """The chart of one to four series over ``days`` (each series has one count per day)."""
    figure, legend = chart_figure(days, series, title=title, find_font=find_font, words=words)
    return Chart(_png(figure), legend)


def chart_figure(
    days: Sequence[date],
    series: Sequence[Series],
    *,
    title: str,
    find_font: FontFinder = find_cjk_font,
    words: ChartWords = ENGLISH,
) -> tuple[Figure, dict[str, str]]:
    """The figure ``trend_chart`` draws, and its letter legend (what the image shows, for inspection)."""
    if not 1 <= len(series) <= MAX_SERIES:
        raise ValueError(f"a chart shows 1 to {MAX_SERIES} series, got {len(series)}")
    if any(len(s.counts) != len(days) for s in series):
        raise ValueError("every series needs one count per day")
    if words.needs_cjk() and find_font() is None:
        words = ENGLISH
    families, labels, legend = _labels(series, title, find_font, words)
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if len(series) == 1:
        _draw_single(axes, days, series[0], words)
    else:
        _draw_lines(axes, days, series, labels[1:], words)
    _style(axes, days, families, words)
    several = len(series) > 1 and any(s.average for s in series)
    axes.set_title(_shorten(labels[0]), fontsize=22, loc="left", family=families, pad=72 if several else 44)
    axes.legend(
        frameon=False,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=len(series) if several else 4,
        prop={"family": families, "size": 14},
        handlelength=2.2,
        columnspacing=1.2,
    )
    figure.tight_layout()
    return figure, legend


def _png(figure: Figure) -> bytes:
    """The figure as PNG; re-encoded with a palette of 256 colours, then fewer, if it would exceed
    ``MAX_BYTES``."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    if buffer.tell() <= MAX_BYTES:
        return buffer.getvalue()
    buffer.seek(0)
    with Image.open(buffer) as image:
        rgb = image.convert("RGB")
        for colors in (256, 64, 32):
            out = io.BytesIO()
            rgb.quantize(colors=colors).save(out, format="PNG", optimize=True)
            if out.tell() <= MAX_BYTES:
                break
    return out.getvalue()


def _shorten(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _labels(
    series: Sequence[Series], title: str, find_font: FontFinder, words: ChartWords = ENGLISH
) -> tuple[list[str], list[str], dict[str, str]]:
    """Font families to use, [title, series labels…] as drawn, and the letter legend for the caption."""
    texts = [s.label for s in series]
    if not any(needs_cjk(text) for text in [title, *texts]) and not words.needs_cjk():
        return [BASE_FAMILY], [title, *texts], {}
    font = find_font()
    if font is not None:
        return [BASE_FAMILY, font], [title, *texts], {}
    logger.info("chart_cjk_font_missing series=%s", len(series))
    legend = {LETTERS[i]: text for i, text in enumerate(texts)}
    shown_title = title if not needs_cjk(title) else words.several
    if len(series) == 1:
        shown_title = words.one_query % {"letter": LETTERS[0]}
    return [BASE_FAMILY], [shown_title, *legend], legend


def _draw_single(axes: Axes, days: Sequence[date], series: Series, words: ChartWords) -> None:
    axes.bar(_x(days), series.counts, width=0.8, color=BAR_COLOR, label=words.bars)
    if series.average:
        axes.plot(_x(days), series.average, color=AVERAGE_COLOR, linewidth=3, label=words.average)
    marked = set(_x(series.spikes))
    spikes = [(x, count) for x, count in zip(_x(days), series.counts, strict=True) if x in marked]
    if spikes:
        xs, ys = zip(*spikes, strict=True)
        axes.scatter(xs, ys, s=140, marker="v", color=SPIKE_COLOR, zorder=3, label=words.spike)
        axes.set_ylim(top=max(*ys, *series.counts) * 1.15)  # room for the marker, no bar cut


def _draw_lines(
    axes: Axes, days: Sequence[date], series: Sequence[Series], labels: Sequence[str], words: ChartWords
) -> None:
    """Per query: stories per day (thin, its marker, nudged sideways) and its 7-day average (thick, its
    own dash pattern)."""
    nudge = 0.12 if len(days) <= LONG_RANGE_DAYS else 0.0
    every = max(1, len(days) // 45)
    for index, (one, label) in enumerate(zip(series, labels, strict=True)):
        color, marker = COLORS[index % len(COLORS)], MARKERS[index % len(MARKERS)]
        shift = (index - (len(series) - 1) / 2) * nudge
        xs = [x + shift for x in _x(days)]
        name = _shorten(label, 28)
        axes.plot(
            xs,
            one.counts,
            color=color,
            linewidth=1.2,
            alpha=_daily_alpha(bool(one.average), bool(nudge)),
            marker=marker,
            markersize=6,
            markevery=every,
            label=name,
        )
        if one.average:
            style = AVERAGE_STYLES[index % len(AVERAGE_STYLES)]
            average = words.average_of % {"query": name}
            axes.plot(_x(days), one.average, color=color, linewidth=3.2, linestyle=style, label=average)
        spikes = set(_x(one.spikes))
        marked = [(d, v) for d, v in zip(_x(days), one.counts, strict=True) if d in spikes]
        if marked:
            mx, my = zip(*marked, strict=True)
            axes.scatter(mx, my, s=120, marker="v", color=color, zorder=3)


def _daily_alpha(averaged: bool, short: bool) -> float:
    """Daily points under an average are faint (a year of them: fainter); alone, they are the series."""
    if not averaged:
        return 1.0
    return 0.6 if short else 0.35


def _style(axes: Axes, days: Sequence[date], families: list[str], words: ChartWords) -> None:
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=1)
    axes.set_axisbelow(True)
    axes.tick_params(labelsize=15, length=0, pad=8, labelfontfamily=families)
    axes.set_ylabel(words.y_title, fontsize=15, family=families, labelpad=10)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    axes.set_ylim(bottom=0)
    long_range = len(days) > LONG_RANGE_DAYS
    locator = mdates.MonthLocator() if long_range else mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _day_label(x, long_range, words.locale)))
    if days:
        axes.set_xlim(_x(days)[0] - 0.6, _x(days)[-1] + 0.6)


def _day_label(number: float, months: bool, locale: str) -> str:
    """A tick's label with its month named: ``Dec 8`` (``12月8日``); over long ranges the month, with the
    year in January (``Jan 2026`` / ``2026年1月``)."""
    day = mdates.num2date(number).date()  # type: ignore[no-untyped-call]
    if not months:
        return str(format_skeleton("MMMd", day, locale=locale))
    return str(format_skeleton("yMMM" if day.month == 1 else "MMM", day, locale=locale))


def _x(days: Sequence[date]) -> list[float]:
    """Matplotlib's date numbers for the days."""
    return [float(mdates.date2num(day)) for day in days]  # type: ignore[no-untyped-call]
