"""The shipped pinyin table: what the installed pypinyin gives, read as it reads, pypinyin not loaded."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

import pytest

from feeds.pinyin import pinyin_table, syllable_chars
from feeds.pinyin_source import char_readings, reference_key, table_text, vocabulary


def test_shipped_table_is_what_pypinyin_gives() -> None:
    shipped = resources.files("feeds").joinpath("data", "pinyin.tsv").read_text(encoding="utf-8")
    assert shipped == table_text(), "regenerate: python -m feeds.pinyin_source > feeds/data/pinyin.tsv"


def test_every_phrase_and_place_reads_as_pypinyin_reads_it() -> None:
    words = vocabulary()
    assert len(words) > 40_000
    wrong = [w for w in words if pinyin_table().key(w) != reference_key(w)]
    assert wrong == []


@pytest.mark.parametrize(
    "word",
    [
        "滨州",
        "重庆",
        "吕梁",
        "银行行长",
        "长城",
        "西宾舟山",
        "乌鲁木齐",
        "朝阳区",
        "覃塘",
        "一丁点儿",
        "龟兹",
    ],
)
def test_words_outside_the_phrase_list_read_as_pypinyin_reads_them(word: str) -> None:
    assert pinyin_table().key(word) == reference_key(word)


def test_syllables_map_common_characters_by_every_reading() -> None:
    readings = char_readings()
    assert "滨" in syllable_chars()["bin"] and "长" in syllable_chars()["zhang"]
    assert "长" in syllable_chars()["chang"] and "m" not in syllable_chars()
    assert all(syllable in readings[char] for syllable, chars in syllable_chars().items() for char in chars)


def test_alias_lookups_do_not_load_pypinyin() -> None:
    probe = (
        "import sys; from feeds.aliases import pinyin_key, probe_pairs, words_read_as;"
        "assert pinyin_key('滨州') == 'binzhou' and probe_pairs('binzhou');"
        "assert words_read_as('binzhou', ['滨州市举行']) == {'滨州': 1};"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pypinyin'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
