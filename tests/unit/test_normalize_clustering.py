"""Story fingerprints: one release on several wires clusters; different releases do not."""

from __future__ import annotations

import pytest

from feeds.clustering import body_fingerprint, same_story, title_fingerprint
from feeds.dateline import split_dateline

LEDE = (
    "Northwind Robotics (NASDAQ: NWRB), a maker of warehouse automation systems, today announced the opening "
    "of a new assembly plant in Monterrey, Mexico, that will employ 1,200 people by the end of next year. "
    "The 40,000-square-meter facility will build the company's Falcon line of autonomous pallet movers and "
    "will supply customers across North and South America.\n"
    '"Monterrey gives us the skilled workforce and logistics links we need to double our output," said '
    'Dana Whitfield, chief executive officer of Northwind Robotics. "Our customers have been asking for '
    'shorter delivery times, and this plant answers them."\n'
    "Construction begins in April, with the first production line expected to start in the fourth quarter. "
    "The company said the investment of about $180 million will be funded from existing cash reserves and "
    "does not change its guidance for the current fiscal year."
)
OTHER_LEDE = (
    "Northwind Robotics (NASDAQ: NWRB), a maker of warehouse automation systems, today announced that its "
    "board of directors has approved a quarterly dividend of $0.12 per share, payable on May 15 to "
    "shareholders of record at the close of business on April 30. The board also authorized a new share "
    "repurchase program of up to $250 million, replacing the program approved two years ago.\n"
    '"Strong cash generation lets us return capital while we keep investing in new products," said Dana '
    "Whitfield, chief executive officer of Northwind Robotics. The company will discuss its results on a "
    "conference call next week."
)
TEMPLATE_FOOTER = (
    "\nAbout Northwind Robotics\n"
    "Northwind Robotics designs and builds autonomous systems for warehouses and factories. Founded in 2009 "
    "and based in Austin, Texas, the company serves more than 900 customers in 30 countries. For more "
    "details visit the company website.\n"
    "Media contact: press@northwind.example\n"
    "SOURCE Northwind Robotics"
)
WIRE_FOOTER = "\nView original content to download multimedia: https://wire.example/news/northwind-plant"

SAME_STORY = [
    ("identical", LEDE, LEDE),
    ("different footers", LEDE + TEMPLATE_FOOTER, LEDE + WIRE_FOOTER),
    ("footer only on one wire", LEDE, LEDE + TEMPLATE_FOOTER + WIRE_FOOTER),
    (
        "different datelines",
        "AUSTIN, Texas, March 3, 2026 /PRNewswire/ -- " + LEDE,
        "MONTERREY, Mexico, March 3, 2026 /PRNewswire-AsiaNet/ -- " + LEDE,
    ),
    ("one word edited", LEDE, LEDE.replace("1,200 people", "1,300 people")),
    ("typo fixed", LEDE, LEDE.replace("pallet movers", "palet movers")),
    ("two small edits", LEDE, LEDE.replace("April", "May").replace("fourth quarter", "third quarter")),
    ("paragraph breaks lost", LEDE, LEDE.replace("\n", " ")),
    ("case and punctuation", LEDE, LEDE.upper().replace(",", "")),
]


def _fingerprint(body: str) -> str:
    return body_fingerprint(split_dateline(body)[1])


@pytest.mark.parametrize(("a", "b"), [c[1:] for c in SAME_STORY], ids=[c[0] for c in SAME_STORY])
def test_same_release_clusters(a: str, b: str) -> None:
    assert same_story(_fingerprint(a), _fingerprint(b))


DIFFERENT_STORY = [
    ("same company same template", LEDE + TEMPLATE_FOOTER, OTHER_LEDE + TEMPLATE_FOOTER),
    ("same template no footer", LEDE, OTHER_LEDE),
    (
        "same opening sentence only",
        LEDE.split(" today ")[0] + " today announced a recall of 300 robots after a sensor fault was found.",
        LEDE,
    ),
    ("unrelated", LEDE, "The city council voted on Tuesday to extend the bus network to three new suburbs."),
    (
        "chinese vs chinese",
        "某公司今日宣布在上海开设新工厂，将雇用一千二百名员工。",
        "市政府周二投票决定将公交网络扩展到三个新郊区。",
    ),
]


@pytest.mark.parametrize(("a", "b"), [c[1:] for c in DIFFERENT_STORY], ids=[c[0] for c in DIFFERENT_STORY])
def test_different_releases_do_not_cluster(a: str, b: str) -> None:
    assert not same_story(_fingerprint(a), _fingerprint(b))


def test_chinese_release_with_small_edit_clusters() -> None:
    body = (
        "新华社北京3月3日电 某机器人公司今日宣布在蒙特雷开设新的装配工厂，"
        + "预计到明年年底将雇用一千二百名员工。" * 3
    )
    edited = body.replace("一千二百", "一千三百", 1)
    assert same_story(_fingerprint(body), _fingerprint(edited))


@pytest.mark.parametrize(("a", "b"), [("", ""), ("", "0" * 16), ("xyz", "xyz"), ("g" * 16, "g" * 16)])
def test_empty_or_malformed_fingerprints_never_match(a: str, b: str) -> None:
    assert not same_story(a, b)


def test_body_fingerprint_shape() -> None:
    fingerprint = body_fingerprint(LEDE)
    assert len(fingerprint) == 16
    int(fingerprint, 16)
    assert body_fingerprint("") == ""
    assert body_fingerprint(" ,.;") == ""
    assert body_fingerprint(LEDE) == fingerprint


SAME_TITLE = [
    (
        "case and punctuation",
        "Northwind Robotics Opens Plant in Monterrey",
        "NORTHWIND ROBOTICS OPENS PLANT, IN MONTERREY!",
    ),
    ("leading wire tag", "PRNewswire: Northwind Robotics Opens Plant", "Northwind Robotics Opens Plant"),
    ("trailing wire tag", "Northwind Robotics Opens Plant - Business Wire", "Northwind Robotics Opens Plant"),
    ("full width", "Ｎｏｒｔｈｗｉｎｄ Opens Plant", "Northwind Opens Plant"),
    ("accents", "Café Northwind Opens Plant", "Cafe Northwind Opens Plant"),
    ("whitespace", "  Northwind   Opens\nPlant ", "Northwind Opens Plant"),
]


@pytest.mark.parametrize(("a", "b"), [c[1:] for c in SAME_TITLE], ids=[c[0] for c in SAME_TITLE])
def test_title_fingerprint_is_stable_across_wires(a: str, b: str) -> None:
    assert title_fingerprint(a) == title_fingerprint(b) != ""


DIFFERENT_TITLE = [
    ("different word", "Northwind Robotics Opens Plant", "Northwind Robotics Closes Plant"),
    ("word order", "Northwind Opens Plant", "Plant Opens Northwind"),
    ("number", "Northwind Q1 2026 Results", "Northwind Q2 2026 Results"),
]


@pytest.mark.parametrize(("a", "b"), [c[1:] for c in DIFFERENT_TITLE], ids=[c[0] for c in DIFFERENT_TITLE])
def test_title_fingerprint_tells_titles_apart(a: str, b: str) -> None:
    assert title_fingerprint(a) != title_fingerprint(b)


def test_title_without_words_has_empty_fingerprint() -> None:
    assert title_fingerprint(" -- !! ") == ""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "The aluminum plant in Binzhou opened on Monday, adding 200,000 tonnes of alloy capacity for car "
            "makers.",
            "56e9505b4c30104b",
            id="ascii-lede",
        ),
        pytest.param(
            "Société Générale annonce un accord de coopération à Zürich avec la région.",
            "460c61d824286023",
            id="accents-folded",
        ),
        pytest.param("滨州铝业新工厂投产，山东轻量化材料产能提升。", "143b09e2e42d24f7", id="cjk-characters"),
        pytest.param("Hello world", "cc80460012044180", id="two-tokens"),
        pytest.param("Hello", "ccc8572ab3466d92", id="one-token"),
        pytest.param(
            "Plant opens today in Jinan.\nAbout Example Corp\nExample Corp makes alloys.",
            "6bf3a53c56a695d0",
            id="footer-cut",
        ),
        pytest.param(
            " ".join(f"word{i % 37} part{i % 11}" for i in range(400)), "f9b07722639ab523", id="long-body"
        ),
    ],
)
def test_body_fingerprint_values_are_pinned(body: str, expected: str) -> None:
    """Stored fingerprints are compared with new ones: a faster implementation must give the same bits."""
    assert body_fingerprint(body) == expected
