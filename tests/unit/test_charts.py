"""bot.chat.charts: a 1200×600 PNG under 200 KB; CJK labels drawn with a CJK font or replaced by letters."""

from __future__ import annotations

import random
import struct
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from bot.chat.charts import MAX_BYTES, Series, chart_figure, find_cjk_font, needs_cjk, trend_chart
from bot.chat.i18n import translator
from bot.chat.trend_view import chart_words
from bot.entry.doctor import check_chart_font
from feeds.trends import moving_average

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DAYS_30 = [date(2026, 1, 1) + timedelta(days=n) for n in range(30)]
DAYS_365 = [date(2025, 1, 1) + timedelta(days=n) for n in range(365)]


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from the IHDR chunk."""
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def noisy(days: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randint(0, 40) for _ in range(days)]


def no_font() -> str | None:
    return None


def base_font() -> str | None:
    return "DejaVu Sans"  # stands in for an installed CJK font (the glyphs do not matter here)


CASES = [
    pytest.param(
        DAYS_30, [Series("Binzhou", noisy(30, 1), moving_average(noisy(30, 1)), (DAYS_30[9],))], id="one"
    ),
    pytest.param(DAYS_30, [Series("empty", [0] * 30)], id="one-empty"),
    pytest.param(DAYS_365, [Series("Binzhou", noisy(365, 2), moving_average(noisy(365, 2)))], id="one-year"),
    pytest.param(DAYS_365, [Series(q, noisy(365, n)) for n, q in enumerate("abcd")], id="four-noisy-year"),
    pytest.param(
        DAYS_365,
        [Series(q, c, moving_average(c)) for q, c in (("a", noisy(365, 5)), ("b", noisy(365, 6)))],
        id="two-averaged-year",
    ),
]


@pytest.mark.parametrize(("days", "series"), CASES)
def test_png_is_1200_by_600_and_small(days: list[date], series: list[Series]) -> None:
    chart = trend_chart(days, series, title="Stories per day", find_font=no_font)
    assert png_size(chart.png) == (1200, 600)
    assert len(chart.png) < MAX_BYTES
    assert chart.legend == {}


@pytest.mark.parametrize(
    ("labels", "title", "find_font", "legend"),
    [
        pytest.param(["滨州"], "滨州", no_font, {"A": "滨州"}, id="cjk-no-font-single"),
        pytest.param(
            ["Binzhou", "滨州", "ビンジョウ"],
            "Stories per day",
            no_font,
            {"A": "Binzhou", "B": "滨州", "C": "ビンジョウ"},
            id="cjk-no-font-three",
        ),
        pytest.param(["滨州", "빈저우"], "Stories per day", base_font, {}, id="cjk-with-font"),
        pytest.param(["Binzhou", "Zürich"], "Stories per day", no_font, {}, id="latin-needs-nothing"),
    ],
)
@pytest.mark.filterwarnings("ignore:Glyph:UserWarning")
def test_cjk_labels(labels: list[str], title: str, find_font: object, legend: dict[str, str]) -> None:
    series = [Series(label, noisy(30, n)) for n, label in enumerate(labels)]
    chart = trend_chart(DAYS_30, series, title=title, find_font=find_font)  # type: ignore[arg-type]
    assert chart.legend == legend
    assert png_size(chart.png) == (1200, 600)


def test_font_lookup_is_called_only_when_needed() -> None:
    calls: list[int] = []

    def finder() -> str | None:
        calls.append(1)
        return None

    trend_chart(DAYS_30, [Series("Binzhou", [1] * 30)], title="Binzhou", find_font=finder)
    assert calls == []
    trend_chart(DAYS_30, [Series("滨州", [1] * 30)], title="滨州", find_font=finder)
    assert calls == [1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Binzhou", False), ("Zürich – Straße", False), ("滨州", True), ("ソウル", True), ("서울", True)],
)
def test_needs_cjk(text: str, expected: bool) -> None:
    assert needs_cjk(text) is expected


def test_installed_font_lookup_returns_a_name_or_none() -> None:
    found = find_cjk_font()
    assert found is None or isinstance(found, str)


@pytest.mark.parametrize(
    ("count", "lengths"),
    [
        pytest.param(0, 30, id="no-series"),
        pytest.param(5, 30, id="five-series"),
        pytest.param(1, 29, id="short"),
    ],
)
def test_bad_input_is_refused(count: int, lengths: int) -> None:
    with pytest.raises(ValueError, match=r"series|count per day"):
        trend_chart(DAYS_30, [Series(str(n), [1] * lengths) for n in range(count)], title="t")


# --- what the image says (issue 26); every chart here is saved for a person to look at ----------------------
def drawn(figure: Figure) -> tuple[str, str, list[str], list[str]]:
    """(title, y-axis title, legend texts, x tick labels) of a drawn figure."""
    figure.canvas.draw()
    (axes,) = figure.axes
    legend = axes.get_legend()
    texts = [text.get_text() for text in legend.get_texts()] if legend else []
    ticks = [label.get_text() for label in axes.get_xticklabels() if label.get_text()]
    return axes.get_title(loc="left"), axes.get_ylabel(), texts, ticks


def save(figure: Figure, folder: Path, name: str) -> None:
    figure.savefig(folder / f"{name}.png", dpi=100)


@pytest.fixture(scope="module")
def chart_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("charts")


def averaged(label: str, counts: list[int]) -> Series:
    return Series(label, counts, moving_average(counts))


def test_a_compare_chart_draws_each_querys_days_and_its_average_in_its_own_style(chart_dir: Path) -> None:
    """Identical series stay visible: their own markers, nudged points, different dash patterns."""
    counts = noisy(30, 7)
    series = [
        averaged("Binzhou", counts),
        averaged("Shandong", list(counts)),
        averaged("Weiqiao", noisy(30, 8)),
    ]
    figure, _ = chart_figure(DAYS_30, series, title="Stories per day", find_font=no_font)
    save(figure, chart_dir, "compare-en")
    title, y_title, legend, ticks = drawn(figure)
    assert (title, y_title) == ("Stories per day", "Stories per day")
    assert legend == [
        "Binzhou",
        "Binzhou, 7-day average",
        "Shandong",
        "Shandong, 7-day average",
        "Weiqiao",
        "Weiqiao, 7-day average",
    ]
    assert ticks and all(tick.split()[0] == "Jan" for tick in ticks), ticks  # every tick names its month
    lines = figure.axes[0].get_lines()
    daily, averages = lines[0::2], lines[1::2]
    assert len({line.get_color() for line in daily}) == 3
    assert len({line.get_marker() for line in daily}) == 3
    assert len({line.get_linestyle() for line in averages}) == 3
    first_x = [float(np.asarray(line.get_xdata())[0]) for line in daily[:2]]
    assert first_x[0] != first_x[1], "equal series drawn on top of each other"
    assert np.asarray(averages[0].get_ydata()).tolist() == pytest.approx(moving_average(counts))


def test_a_year_names_months_and_the_year_in_january(chart_dir: Path) -> None:
    figure, _ = chart_figure(
        DAYS_365, [averaged("a", noisy(365, 1)), averaged("b", noisy(365, 2))], title="t"
    )
    save(figure, chart_dir, "year-en")
    assert drawn(figure)[3][:3] == ["Jan 2025", "Feb", "Mar"]


def test_a_zh_hant_chart_is_localized_and_a_binzhou_chart_is_titled_binzhou(chart_dir: Path) -> None:
    """With the CJK font ``.ci/run`` installs (Debian's fonts-noto-cjk), nothing falls back to letters
    or English."""
    assert find_cjk_font() is not None, "no CJK font: apt-get install fonts-noto-cjk"
    words = chart_words(translator("zh-Hant"))
    figure, legend = chart_figure(DAYS_30, [averaged("滨州", noisy(30, 3))], title="滨州", words=words)
    save(figure, chart_dir, "single-zh-hant")
    title, y_title, texts, ticks = drawn(figure)
    assert (title, y_title, legend) == ("滨州", "每日報導數", {})
    assert set(texts) == {"每日報導數", "7 日平均"}
    assert all(tick.endswith("日") and "月" in tick for tick in ticks), ticks
    figure, legend = chart_figure(
        DAYS_30,
        [averaged("滨州", noisy(30, 3)), averaged("Binzhou", noisy(30, 4))],
        title="每日報導數",
        words=words,
    )
    save(figure, chart_dir, "compare-zh-hant")
    assert legend == {} and "滨州（7 日平均）" in drawn(figure)[2]


def test_spike_marker_never_cuts_a_taller_bar() -> None:
    counts = [1] * 29 + [2]
    counts[10] = 9
    figure, _ = chart_figure(
        DAYS_30, [Series("x", counts, spikes=(DAYS_30[29],))], title="x", find_font=no_font
    )
    assert figure.axes[0].get_ylim()[1] >= 9


def test_doctor_names_the_font_package_when_no_cjk_font_is_installed() -> None:
    missing = check_chart_font(no_font)
    assert not missing.ok and "fonts-noto-cjk" in missing.hint
    assert check_chart_font(find_cjk_font).ok, "no CJK font: apt-get install fonts-noto-cjk"
