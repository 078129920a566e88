"""Aliases across scripts: terms, pinyin, words from segmentation, the gazetteer, the store and the CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from feeds.aliases import (
    Alias,
    AliasTermError,
    gazetteer,
    parse_alias_term,
    pinyin_key,
    places_read_as,
    ranked,
    syllable_splits,
    words_read_as,
)
from feeds.gazetteer_source import short_name
from feeds.models import FeedSpec
from storage.store import Store
from tests.e2e.test_cli import wirewatch
from tests.fixtures_db import T0, WINDOW, new_item


@pytest.mark.parametrize(
    ("text", "key", "latin"),
    [
        ("Binzhou", "binzhou", True),
        ("  BIN-zhou ", "binzhou", True),
        ("Xi'an", "xian", True),
        ("Lüliang", "luliang", True),
        ("滨州", "滨州", False),
        ("濱州", "滨州", False),
    ],
    ids=["latin", "hyphen-case", "apostrophe", "umlaut", "simplified", "traditional-folded"],
)
def test_terms(text: str, key: str, latin: bool) -> None:
    term = parse_alias_term(text)
    assert (term.key, term.latin) == (key, latin)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "give one name"),
        ("B", "2 to 40 letters"),
        ("滨", "2 to 12 characters"),
        ("x" * 200, "at most 64 characters"),
        ("滨州Binzhou", "one script at a time"),
        ("Binzhou 🙂", "letters or Chinese characters only"),
        ("G20", "letters or Chinese characters only"),
        ("-sports", "an exclusion is not a name"),
        ("Binzhou OR Dongying", "not a query"),
        ('"Binzhou"', "not a query"),
    ],
    ids=[
        "empty",
        "one-letter",
        "one-han",
        "200-chars",
        "mixed",
        "emoji",
        "digits",
        "exclusion",
        "or",
        "quotes",
    ],
)
def test_bad_terms_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(AliasTermError, match=message):
        parse_alias_term(text)


def test_pinyin_is_standard_toneless_and_joined() -> None:
    assert [pinyin_key(w) for w in ("滨州", "彬州", "宾州", "重庆", "吕梁")] == [
        "binzhou",
        "binzhou",
        "binzhou",
        "chongqing",
        "luliang",
    ]
    assert ("bin", "zhou") in syllable_splits("binzhou")
    assert {("xi", "an"), ("xian",)} <= set(syllable_splits("xian"))


def test_candidates_are_words_never_strings_straddling_two() -> None:
    assert words_read_as("binzhou", ["西宾舟山"]) == {}
    found = words_read_as("binzhou", ["滨州市举行黄河生态论坛", "濱州市舉行", "美国宾州州长", "西宾舟山"])
    assert found == {"滨州": 2, "宾州": 1}


def test_gazetteer_knows_prefectures_and_provinces() -> None:
    assert gazetteer()["滨州"].describe() == "prefecture-level city, Shandong"
    assert gazetteer()["山东"].describe() == "province"
    assert gazetteer()["延边"].describe() == "autonomous prefecture, Jilin"
    assert places_read_as("binzhou") == ("滨州",)
    assert len(gazetteer()) > 360


def test_ranked_by_evidence_and_without_evidence_only_known_places() -> None:
    place = gazetteer()["滨州"]
    aliases = [Alias("宾州", 3), Alias("滨州", 3, place), Alias("彬州", 0), Alias("斌州", 9)]
    assert [a.text for a in ranked(aliases)] == ["斌州", "滨州", "宾州"]
    assert ranked([Alias("滨州", 0, place)]) == [Alias("滨州", 0, place)]


@pytest.fixture
def stocked(store: Store) -> Store:
    """Releases in three scripts: 滨州 twice (one traditional), 宾州 once, 西宾舟山 once, Binzhou twice."""
    feed = store.sync_feeds([FeedSpec("wire", "http://127.0.0.1/wire.xml", 300)], T0)[0]
    texts = [
        ("cn1", "滨州市举行黄河生态论坛", "山东省滨州市。"),
        ("hk1", "濱州市舉行黃河生態論壇", "香港報道。"),
        ("us1", "美国宾州州长访华", "宾州州长表示。"),
        ("zs1", "西宾舟山", "西宾舟山。"),
        ("en1", "Binzhou opens aluminum park", "BINZHOU, China -- The city opened a park."),
        ("en2", "Binzhou hosts forum", "Officials in Binzhou said."),
    ]
    items = [
        new_item(key, title=title, body=body, seen=T0 + timedelta(minutes=n))
        for n, (key, title, body) in enumerate(texts)
    ]
    store.add_items(feed.id, items, WINDOW)
    return store


def test_store_lists_chinese_words_for_a_latin_name(stocked: Store) -> None:
    found = stocked.aliases(parse_alias_term("Binzhou"), since=T0 - timedelta(days=1))
    assert [(a.text, a.evidence) for a in found] == [("滨州", 2), ("宾州", 1)]
    assert found[0].place is not None and found[0].place.province == "Shandong"
    assert stocked.aliases(parse_alias_term("Binzhou"), since=T0 + timedelta(days=1)) == [
        Alias("滨州", 0, gazetteer()["滨州"])
    ]


@pytest.mark.parametrize("text", ["滨州", "濱州"], ids=["simplified", "traditional"])
def test_store_gives_the_pinyin_of_a_chinese_name(stocked: Store, text: str) -> None:
    found = stocked.aliases(parse_alias_term(text), since=T0 - timedelta(days=1))
    assert [(a.text, a.evidence, a.place) for a in found] == [("Binzhou", 2, gazetteer()["滨州"])]
    ambiguous = stocked.aliases(parse_alias_term("宾州"), since=T0 - timedelta(days=1))
    assert [(a.text, a.evidence, a.place) for a in ambiguous] == [("Binzhou", 2, None)]
    assert stocked.aliases(parse_alias_term("西宾"), since=T0 - timedelta(days=1)) == []


def test_unknown_name_has_no_aliases(stocked: Store) -> None:
    assert stocked.aliases(parse_alias_term("Zzyzx"), since=T0 - timedelta(days=1)) == []


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "aliases.db"}"\n')
    return path


@pytest.mark.parametrize(
    ("args", "code", "out"),
    [
        (["Zzyzx"], 0, "no aliases for 'Zzyzx' in the last 90 days"),
        (["Binzhou", "--days", "30"], 0, "滨州"),
        (["滨州"], 0, "Binzhou"),
        (["西宾"], 0, "no aliases for '西宾'"),
        (["x"], 2, "bad name: a Latin name has 2 to 40 letters"),
        (["-sports"], 2, "bad name: an exclusion is not a name"),
        (["滨州Binzhou"], 2, "bad name: one script at a time"),
        (["🙂"], 2, "bad name: a name is letters or Chinese characters only"),
        ([], 2, "bad name: give one name"),
    ],
    ids=[
        "none",
        "gazetteer-only",
        "pinyin-of-a-place",
        "no-evidence",
        "one-letter",
        "exclusion",
        "mixed",
        "emoji",
        "missing",
    ],
)
@pytest.mark.slow  # the CLI in a subprocess
def test_cli_exit_codes(config: Path, args: list[str], code: int, out: str) -> None:
    done = wirewatch("aliases", *args, "--config", str(config))
    assert done.returncode == code, done.stderr
    assert out in (done.stdout if code == 0 else done.stderr)
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("full", "short"),
    [
        ("滨州市", "滨州"),
        ("山东省", "山东"),
        ("延边朝鲜族自治州", "延边"),
        ("黔东南苗族侗族自治州", "黔东南"),
        ("新疆维吾尔自治区", "新疆"),
        ("内蒙古自治区", "内蒙古"),
        ("大兴安岭地区", "大兴安岭"),
        ("香港特别行政区", "香港"),
    ],
)
def test_gazetteer_short_names(full: str, short: str) -> None:
    peoples = ["朝鲜族", "苗族", "侗族", "维吾尔族", "维吾尔", "蒙古族", "蒙古"]
    assert short_name(full, peoples) == short
