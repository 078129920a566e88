"""HTML to clean text: tags stripped, entities decoded, whitespace collapsed (stdlib ``html.parser``)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

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
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "svg", "head", "iframe", "object"})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_LINE_BREAKS = str.maketrans(dict.fromkeys("\r\u2028\u2029\x85\x0b\x0c", "\n"))
_TAG_LIKE = re.compile(r"</?[A-Za-z][^<>]*>")


class _TextExtractor(HTMLParser):
    """Collects text; block elements become line breaks, cells spaces, script/style contents vanish."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in _SPACE_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in _SPACE_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _extract(markup: str) -> str:
    """Raw text of ``markup`` with entities decoded (whitespace untouched)."""
    if "<" not in markup:
        return html.unescape(markup) if "&" in markup else markup
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def _collapse_lines(text: str) -> str:
    """Collapse whitespace (Unicode spaces too) within lines; drop invisible characters and empty lines."""
    text = text.translate(_INVISIBLE).translate(_LINE_BREAKS)
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
    return " ".join(text.translate(_INVISIBLE).split())
