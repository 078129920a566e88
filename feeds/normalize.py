"""One parsed feed entry to one domain item: identity, canonical link, clean text, dateline, summary."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from feeds.clustering import body_fingerprint, title_fingerprint
from feeds.dateline import split_dateline
from feeds.identity import item_identity
from feeds.invisible import strip_controls
from feeds.language import item_language
from feeds.links import canonical_link
from feeds.models import NewItem, ParsedEntry
from feeds.summary import ELLIPSIS, summarize
from feeds.text import clean_inline, html_to_text

logger = logging.getLogger(__name__)

FUTURE_TOLERANCE = timedelta(minutes=10)
"""Published dates further ahead of ``now`` than this are not believed."""
UNTITLED_CHARS = 80
"""An entry without a title is titled by this many characters of its body."""


def _utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC (naive values are taken to be UTC already)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def feed_date(published: datetime | None, now: datetime) -> datetime | None:
    """The feed's date in UTC when it is given and believable (not beyond ``FUTURE_TOLERANCE``); else None."""
    if published is None:
        return None
    try:
        moment = _utc(published)
    except (OverflowError, ValueError):
        return None
    if moment > now + FUTURE_TOLERANCE:
        logger.debug("future_date_replaced published=%s now=%s", moment.isoformat(), now.isoformat())
        return None
    return moment


def _title_from_body(body: str) -> str:
    """A stand-in title: the start of the body on one line, cut at a word boundary."""
    line = " ".join(body[: UNTITLED_CHARS * 2].split())
    if len(line) <= UNTITLED_CHARS:
        return line
    cut = line.rfind(" ", 0, UNTITLED_CHARS)
    cut = cut if cut > UNTITLED_CHARS // 2 else UNTITLED_CHARS - 1
    return line[:cut].rstrip(" ,;:-") + ELLIPSIS


def normalize_entry(entry: ParsedEntry, feed_url: str, now: datetime) -> NewItem:
    """The normalized item for ``entry`` of the feed at ``feed_url``, first seen at ``now``."""
    now = _utc(now)
    link = canonical_link(entry.link, feed_url, entry.orig_link)
    dateline, body = split_dateline(html_to_text(entry.content_html))
    title = clean_inline(entry.title) or _title_from_body(body)
    published = feed_date(entry.published, now)
    return NewItem(
        identity=item_identity(entry.guid and strip_controls(entry.guid), link, title, body),
        link=link,
        title=title,
        body=body,
        summary=summarize(body),
        published_at=now if published is None else published,  # no believable date: first seen
        first_seen_at=now,
        dateline=dateline,
        title_fingerprint=title_fingerprint(title),
        body_fingerprint=body_fingerprint(body),
        dated=published is not None,
        language=item_language(entry.language, title, body),
    )
