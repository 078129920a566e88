"""How many extra matches the traditional -> simplified fold adds, on the shared corpus's Chinese wire.

    .venv/bin/python benchmarks/script_fold_corpus.py [--terms 20]

The corpus (``../shared/corpus/wires`` beside the checkout) holds one Chinese feed, in simplified script. Each
item is used twice: as published, and rendered in traditional script by OpenCC's phrase-level ``s2t``
conversion (what a Hong Kong or Taiwan wire would carry). The terms are the most frequent words of two or
more characters (rjieba) in the feed; each is asked in both scripts. For each: the items whose text contains
the term as typed (tokens compared without the script fold), the items the matcher finds (with the fold),
and of the extra ones, how many OpenCC's phrase-level conversion does not confirm (the item's text, converted
as a whole into the term's script, does not contain the term: a many-to-one collision such as 乾 -> 干).
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import opencc
import rjieba

from feeds.models import NewItem
from feeds.pipeline import parse_and_normalize
from feeds.query import Document, parse_query
from feeds.query.normalize import is_cjk, tokenize

WIRE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "wires" / "zh_qq-news-china_gb2312.xml"
NOW = datetime(2026, 2, 1, tzinfo=UTC)
AMBIGUOUS = ("乾", "於", "後", "髮", "隻", "麵")
"""Traditional characters that fold onto a simplified character with other meanings (乾 -> 干, 於 -> 于)."""


def items() -> list[tuple[str, str]]:
    """(title, body) of the wire's items as published, then each rendered in traditional script."""
    parsed: list[NewItem] = parse_and_normalize(WIRE.read_bytes(), {}, "https://news.qq.com/", NOW)
    s2t = opencc.OpenCC("s2t")
    published = [(item.title, item.body) for item in parsed]
    return published + [(s2t.convert(title), s2t.convert(body)) for title, body in published]


def common_words(texts: list[str], count: int) -> list[str]:
    """The ``count`` most frequent rjieba words of two or more Chinese characters."""
    words = Counter(w for text in texts for w in rjieba.cut(text) if len(w) > 1 and all(map(is_cjk, w)))
    return [word for word, _ in words.most_common(count)]


def as_written(term: str, title: str, body: str) -> bool:
    """Whether the term's characters are consecutive tokens of the text without the script fold."""
    wanted = list(term)
    for text in (title, body):
        tokens = tokenize(unicodedata.normalize("NFKC", text).casefold())
        if any(tokens[i : i + len(wanted)] == wanted for i in range(len(tokens))):
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=20)
    args = parser.parse_args()
    corpus = items()
    s2t = opencc.OpenCC("s2t")
    converted = {
        script: [opencc.OpenCC(config).convert(f"{title}\n{body}") for title, body in corpus]
        for script, config in (("简", "t2s"), ("繁", "s2t"))
    }
    documents = [Document.from_parts(title, body, "wire") for title, body in corpus]
    print(f"{len(corpus)} items ({len(corpus) // 2} published in simplified + the same in traditional)")
    print("| term | script | as written | with fold | extra | extra, not confirmed by OpenCC |")
    print("|---|---|---:|---:|---:|---:|")
    totals = Counter[str]()
    words = common_words([f"{t}\n{b}" for t, b in corpus[: len(corpus) // 2]], args.terms)
    rows = [pair for word in words for pair in (("简", word), ("繁", s2t.convert(word)))]
    for index, (script, term) in enumerate(rows + [("繁", t) for t in AMBIGUOUS]):
        if index == len(rows):
            print("| total | | {written} | {folded} | {extra} | {spurious} |".format(**totals))
        query = parse_query(term)
        written = {i for i, (title, body) in enumerate(corpus) if as_written(term, title, body)}
        folded = {i for i, doc in enumerate(documents) if query.matches(doc)}
        extra = folded - written
        spurious = {i for i in extra if term not in converted[script][i]}
        totals.update(written=len(written), folded=len(folded), extra=len(extra), spurious=len(spurious))
        print(f"| {term} | {script} | {len(written)} | {len(folded)} | {len(extra)} | {len(spurious)} |")


if __name__ == "__main__":
    main()
