"""The /trend chart: numbers in, PNG bytes out (matplotlib, Agg canvas, no pyplot global state).

1200×600 pixels, readable on a phone: large fonts, dates on the x axis, no frame or chart junk. One query:
stories per day as bars, the 7-day moving average as a line, spike days marked. Two to four queries: one
line each, the 7-day average when given (daily counts of several queries read as noise). Query text in
Chinese, Japanese or Korean is drawn with a CJK font when one is installed; otherwise the series are
labelled A, B, C… in the image and ``Chart.legend`` maps the letters to the queries for the caption.
Drawing takes a few hundred milliseconds: callers run it off the event loop.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

logger = logging.getLogger(__name__)

WIDTH, HEIGHT, DPI = 1200, 600, 100
MAX_BYTES = 200_000
MAX_SERIES = 4
LETTERS = "ABCD"
CJK_FONT_NAMES = (
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

    def needs_cjk(self) -> bool:
        return any(needs_cjk(word) for word in (self.bars, self.average, self.spike, self.several))


ENGLISH = ChartWords()


@cache
def find_cjk_font() -> str | None:
    """The family name of the first installed CJK-capable font known by name, else None."""
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
        _draw_lines(axes, days, series, labels[1:])
    _style(axes, days, families)
    axes.set_title(_shorten(labels[0]), fontsize=22, loc="left", family=families, pad=44)
    axes.legend(
        frameon=False,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=4,
        prop={"family": families, "size": 15},
        handlelength=1.5,
        columnspacing=1.2,
    )
    figure.tight_layout()
    return Chart(_png(figure), legend)


def _png(figure: Figure) -> bytes:
    """The figure as PNG; re-encoded with a 256-colour palette if it would exceed ``MAX_BYTES``."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    if buffer.tell() <= MAX_BYTES:
        return buffer.getvalue()
    buffer.seek(0)
    with Image.open(buffer) as image:
        small = image.convert("RGB").quantize(colors=256)
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
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
        axes.set_ylim(top=max(ys) * 1.15)


def _draw_lines(axes: Axes, days: Sequence[date], series: Sequence[Series], labels: Sequence[str]) -> None:
    for index, (one, label) in enumerate(zip(series, labels, strict=True)):
        color = COLORS[index % len(COLORS)]
        values = one.average if one.average else one.counts
        axes.plot(_x(days), values, color=color, linewidth=3, label=_shorten(label, 28))
        spikes = set(_x(one.spikes))
        marked = [(d, v) for d, v in zip(_x(days), values, strict=True) if d in spikes]
        if marked:
            xs, ys = zip(*marked, strict=True)
            axes.scatter(xs, ys, s=120, marker="v", color=color, zorder=3)


def _style(axes: Axes, days: Sequence[date], families: list[str]) -> None:
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=1)
    axes.set_axisbelow(True)
    axes.tick_params(labelsize=15, length=0, pad=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    axes.set_ylim(bottom=0)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    if days:
        axes.set_xlim(_x(days)[0] - 0.6, _x(days)[-1] + 0.6)


def _x(days: Sequence[date]) -> list[float]:
    """Matplotlib's date numbers for the days."""
    return [float(mdates.date2num(day)) for day in days]  # type: ignore[no-untyped-call]
