"""HTML to clean text: tags stripped, entities decoded, whitespace collapsed.

One precompiled tokenizer regex instead of ``html.parser.HTMLParser``: the stdlib parser costs ~5-8 µs per
tag in pure Python (over 1 ms for a typical 2.7 KB feed entry), this is ~20x faster. It is tolerant in the
same ways: quoted ``>`` in attributes, stray ``<``, unclosed tags and comments. Script/style contents go.
Control characters and invisible format characters go too (``feeds.invisible``).
"""

from __future__ import annotations

import html
import re

from feeds.invisible import strip_hidden

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    ]
)
_SPACE_TAGS = frozenset({"td", "th", "img", "input", "button", "option", "label"})
_RAW_TAGS = "script|style|template|noscript|svg|iframe|object|head"
_ATTRS = r"""(?:[^>"']|"[^"]*"|'[^']*')*"""
_MARKUP = re.compile(
    r"<(?:!--.*?(?:-->|\Z)"  # comment (an unclosed one runs to the end)
    rf"|(?P<raw>(?i:{_RAW_TAGS}))\b{_ATTRS}>.*?</(?i:(?P=raw))\s*>"  # element whose content is not text
    rf"|/?(?P<name>[A-Za-z][^\s/>]*){_ATTRS}>"  # start or end tag
    r"|[!?][^>]*>)",  # doctype, CDATA, processing instruction
    re.DOTALL,
)
_LINE_BREAK_CHARS = "\r\u2028\u2029\x85\x0b\x0c"
_LINE_BREAK = re.compile("\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_TAG_LIKE = re.compile(r"</?[A-Za-z][^<>]*>")


def _replace_markup(match: re.Match[str]) -> str:
    """What a piece of markup leaves in the text: a line break, a space or nothing."""
    name = match["name"]
    if name is None:
        return ""
    name = name.lower()
    if name in _BLOCK_TAGS:
        return "\n"
    return " " if name in _SPACE_TAGS else ""


def _extract(markup: str) -> str:
    """Raw text of ``markup`` with entities decoded (whitespace untouched)."""
    if "<" in markup:
        markup = _MARKUP.sub(_replace_markup, markup)
    return html.unescape(markup) if "&" in markup else markup


def _contains_any(text: str, chars: str) -> bool:
    """Whether ``text`` holds one of ``chars`` (a few C substring scans: much faster than a regex class)."""
    return any(char in text for char in chars)


def _collapse_lines(text: str) -> str:
    """Collapse whitespace (Unicode spaces too) within lines; drop hidden characters and empty lines."""
    text = strip_hidden(text)
    if _contains_any(text, _LINE_BREAK_CHARS):
        text = _LINE_BREAK.sub("\n", text)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(html_text: str) -> str:
    """Body text of an HTML fragment: paragraphs separated by single ``"\\n"``, spaces collapsed."""
    return _collapse_lines(_extract(html_text))


def clean_inline(text_or_html: str) -> str:
    """A single line of text (for titles): HTML stripped, entities decoded even when double-escaped."""
    text = _extract(text_or_html)
    for _ in range(2):
        if "&" in text:
            text = html.unescape(text)
        if _TAG_LIKE.search(text):
            text = _extract(text)
    return " ".join(strip_hidden(text).split())
