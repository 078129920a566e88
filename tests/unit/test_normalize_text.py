"""HTML to clean text: tags, entities, whitespace."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from feeds.parse import FeedParseError, parse_feed
from feeds.text import clean_inline, html_to_text

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

BODY_CASES = [
    ("paragraphs", "<p>a</p><p>b</p>", "a\nb"),
    ("br", "one<br>two<br/>three", "one\ntwo\nthree"),
    ("inline tags glue", "<b>bold</b><i>ital</i> text", "boldital text"),
    ("cells get spaces", "<table><tr><td>1</td><td>2</td></tr></table>", "1 2"),
    ("list items", "<ul><li>x</li><li>y</li></ul>", "x\ny"),
    ("script dropped", "<p>keep</p><script>var a = '<p>no</p>';</script>", "keep"),
    ("style dropped", "<style>p { color: red }</style>text", "text"),
    ("comment dropped", "a<!-- hidden -->b", "ab"),
    ("named entities", "Q&amp;A &lt;tag&gt; caf&eacute;", "Q&A <tag> café"),
    ("numeric entities", "&#8220;quoted&#x201D; &#169;", "“quoted” ©"),
    ("nbsp and unicode spaces", "a&nbsp;b\u2003c\u3000d\u202fe", "a b c d e"),
    ("zero-width removed", "ab\u200bc\ufeffd\u00ade", "abcde"),
    ("blank lines collapse", "<p>a</p>\n\n<p> </p>\n<div>  b   c </div>", "a\nb c"),
    ("plain text untouched", "just text, no markup", "just text, no markup"),
    ("stray less-than is text", "3 < 4 and 5 > 2", "3 < 4 and 5 > 2"),
    ("attribute with gt", '<a title="x>y" href="/a">link</a> after', "link after"),
    ("unclosed tag at end", "text <b>bold", "text bold"),
    ("windows newlines", "a\r\nb", "a\nb"),
    ("old mac newline", "a\rb", "a\nb"),
    ("unicode line and paragraph separators", "a\u2028b\u2029c", "a\nb\nc"),
    ("nel, vertical tab, form feed", "a\x85b\x0bc\x0cd", "a\nb\nc\nd"),
    ("invisible between ascii words", "plant\u200d opens\u2060 today", "plant opens today"),
    ("empty", "", ""),
]


@pytest.mark.parametrize(("html", "expected"), [c[1:] for c in BODY_CASES], ids=[c[0] for c in BODY_CASES])
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


INLINE_CASES = [
    ("double escaped", "AT&amp;amp;T Reports", "AT&T Reports"),
    ("single escaped", "AT&amp;T", "AT&T"),
    ("escaped markup", "&lt;b&gt;Acme&lt;/b&gt; wins", "Acme wins"),
    ("markup", "<p>Acme</p><p>wins</p>", "Acme wins"),
    ("newlines folded", "  Acme\n  launches\twidget ", "Acme launches widget"),
    ("numeric", "Acme &#8211; news", "Acme – news"),
    ("cjk", "新华社&nbsp;新闻", "新华社 新闻"),
    ("less-than kept", "S&P 500 < 5000", "S&P 500 < 5000"),
    ("invisible dropped", "Ac\u200bme\u00ad wins\ufeff", "Acme wins"),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in INLINE_CASES], ids=[c[0] for c in INLINE_CASES])
def test_clean_inline(raw: str, expected: str) -> None:
    assert clean_inline(raw) == expected


MORE_MARKUP = [
    ("uppercase tags", "<P>a</P><SCRIPT>x()</script>b", "a\nb"),
    ("unclosed comment", "a<!-- never closed <p>b</p>", "a"),
    ("cdata and doctype", "<!DOCTYPE html><![CDATA[x]]>text<?xml x?>", "text"),
    ("self-closing iframe keeps text", "<iframe src='x'/>after", "after"),
    ("unclosed script keeps later text", "<script>x=1", "x=1"),
    ("attribute with quotes", '<img alt=\'a "b" >\'>pic<br clear="all">next', "pic\nnext"),
    ("quoted gt in end tag text", "a</p >b", "a\nb"),
]


@pytest.mark.parametrize(("html", "expected"), [c[1:] for c in MORE_MARKUP], ids=[c[0] for c in MORE_MARKUP])
def test_html_to_text_tolerates_odd_markup(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


class _Reference(HTMLParser):
    """The stdlib parser as a reference for the words ``html_to_text`` keeps (script/style dropped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("script", "style") and self.skip > 0

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def _reference_chars(markup: str) -> str:
    """The non-space characters the stdlib parser keeps (where breaks go is checked by the tables above)."""
    parser = _Reference()
    parser.feed(markup)
    parser.close()
    return _chars("".join(parser.parts))


def _chars(text: str) -> str:
    return "".join(text.split()).translate(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad")))


def _corpus_html() -> list[str]:
    folder = CORPUS / "wires"
    if not folder.is_dir():
        return []
    docs = []
    for path in sorted(folder.iterdir()):
        if path.suffix in (".xml", ".rss", ".atom"):
            try:
                docs += [e.content_html for e in parse_feed(path.read_bytes(), {}, "https://c.example/")]
            except FeedParseError:
                continue
    return docs


@pytest.mark.parametrize("html", [c[1] for c in BODY_CASES[:13]], ids=[c[0] for c in BODY_CASES[:13]])
def test_same_words_as_the_stdlib_parser(html: str) -> None:
    assert _chars(html_to_text(html)) == _reference_chars(html)


@pytest.mark.skipif(not (CORPUS / "wires").is_dir(), reason="shared corpus not present")
def test_corpus_words_match_the_stdlib_parser() -> None:
    docs = [d for d in _corpus_html() if "<" in d]
    assert len(docs) > 50
    differing = [d[:200] for d in docs if _chars(html_to_text(d)) != _reference_chars(d)]
    assert differing == []
