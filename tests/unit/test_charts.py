"""bot.chat.charts: a 1200×600 PNG under 200 KB; CJK labels drawn with a CJK font or replaced by letters."""

from __future__ import annotations

import random
import struct
from datetime import date, timedelta

import pytest

from bot.chat.charts import MAX_BYTES, Series, find_cjk_font, needs_cjk, trend_chart
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
