"""The wire dateline at the head of a release (``NEW YORK, March 3, 2026 /PRNewswire/ --``), parsed out.

Only a short head of the body is examined and a dateline needs a date or a wire tag, so ordinary text that
merely starts with a capitalized word is never eaten.
"""

from __future__ import annotations

import re

from feeds.models import Dateline

_HEAD_CHARS = 200
"""A dateline ends within this many characters of the start of the body."""

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY_NAME = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_WEEKDAY = rf"(?:{_WEEKDAY_NAME},?\s+)?"
_DATE = rf"{_WEEKDAY}{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?"
_WORD = r"[A-ZÀ-Þ][\w.'’&-]*"
_PART = rf"(?!{_WEEKDAY_NAME}\b){_WORD}(?:[ ][^\W\d_][\w.'’&-]*){{0,3}}"
_PLACE = rf"{_PART}(?:,[ ]{_PART}){{0,2}}"
_DASH = r"(?:--|[-–—―]{1,2})"
_WIRE = r"(?:/(?P<slash>[^/:\n]{2,40})/|\((?P<paren>[^():\n]{2,40})\))"

_COMMA_STYLE = re.compile(
    rf"(?P<place>{_PLACE})(?:,\s*(?P<date>{_DATE}))?\s*"
    rf"(?:{_WIRE}(?:\s*(?P<dash>{_DASH}))?|(?<=\d)\s*{_DASH})\s*"
)
_BUSINESS_WIRE_STYLE = re.compile(
    rf"(?P<place>{_PLACE})\s*(?:--|[–—])\s*\((?P<paren>[^()\n]{{2,40}})\)\s*(?:--|[–—])\s*"
    rf"(?:(?P<date>{_DATE})\s*(?:--|[–—])\s*)?"
)
_CHINESE_STYLE = re.compile(
    r"(?P<wire>[\u4e00-\u9fff]{1,6}?(?:社|网|报|台))(?P<place>[\u4e00-\u9fff]{0,8}?)"
    r"(?P<date>(?:[0-90-9]{4}年)?[0-90-9]{1,2}月[0-90-9]{1,2}日)(?:电|讯)"
    r"(?:\s*[（(][^）)\n]{1,30}[）)])?[\s：:，,]*"
)
_DOUBLED_PLACE = re.compile(rf"(?P<place>{_PLACE})\s*(?=(?P=place)\b)")


def _tidy_place(place: str) -> str:
    """Title-case the all-caps parts of a place name: ``BINZHOU, China`` -> ``Binzhou, China``."""
    parts = [p.strip() for p in place.split(",")]
    return ", ".join(p.title() if p.isupper() and len(p) > 3 else p for p in parts)


def _match_latin(head: str) -> tuple[Dateline, int] | None:
    """A Latin-script dateline at the start of ``head``: the dateline and where the text resumes."""
    for pattern in (_BUSINESS_WIRE_STYLE, _COMMA_STYLE):
        match = pattern.match(head)
        if match is None:
            continue
        groups = match.groupdict()
        wire = groups.get("slash") or groups.get("paren")
        if not groups["date"] and not (wire and groups.get("dash", "--")):
            continue
        place = _tidy_place(match["place"])
        return Dateline(place=place, date=groups["date"], wire=wire.strip() if wire else None), match.end()
    return None


def _match_chinese(head: str) -> tuple[Dateline, int] | None:
    """A Chinese news-agency dateline (``新华社北京3月3日电（记者 张三）``)."""
    match = _CHINESE_STYLE.match(head)
    if match is None:
        return None
    return Dateline(place=match["place"] or None, date=match["date"], wire=match["wire"]), match.end()


def split_dateline(body: str) -> tuple[Dateline, str]:
    """The dateline at the start of ``body`` (empty if none) and the body without it."""
    head = body[:_HEAD_CHARS]
    if head[:1] >= "\u3040":
        found = _match_chinese(head)
    else:
        doubled = _DOUBLED_PLACE.match(head) if head[:1].isupper() else None
        skip = doubled.end() if doubled is not None else 0
        found = _match_latin(head[skip:])
        if found is not None:
            found = found[0], found[1] + skip
    if found is None:
        return Dateline(), body
    dateline, end = found
    return dateline, body[end:].lstrip()
