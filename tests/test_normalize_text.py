"""HTML to clean text: tags, entities, whitespace."""

from __future__ import annotations

import pytest

from feeds.text import clean_inline, html_to_text

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
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in INLINE_CASES], ids=[c[0] for c in INLINE_CASES])
def test_clean_inline(raw: str, expected: str) -> None:
    assert clean_inline(raw) == expected
