"""Rules for feeds that users add (chat, CLI, OPML): names, the canonical URL that makes two feeds the same,
and when a failing chat feed is paused. Pure functions."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from feeds.links import canonical_link
from feeds.models import FeedOrigin, FeedState

MAX_NAME_CHARS = 64
PAUSE_AFTER = timedelta(days=7)


def clean_feed_name(name: str) -> str:
    """The name as stored: whitespace collapsed; ``ValueError`` if empty, longer than 64 or with controls."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValueError("a feed name must not be empty")
    if len(cleaned) > MAX_NAME_CHARS:
        raise ValueError(f"a feed name has at most {MAX_NAME_CHARS} characters, this one {len(cleaned)}")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in cleaned):
        raise ValueError("a feed name must not contain control or invisible format characters")
    return cleaned


def canonical_feed_url(url: str) -> str:
    """The form two URLs of the same feed share (scheme and host lower-cased, default port, fragment and
    tracking parameters dropped); the stripped URL itself when it is no http(s) URL."""
    return canonical_link(url, url) or url.strip()


def should_pause(feed: FeedState, now: datetime, after: timedelta = PAUSE_AFTER) -> bool:
    """A chat feed that has failed without a success for ``after`` (7 days) is paused."""
    return (
        feed.origin is FeedOrigin.CHAT
        and feed.paused_at is None
        and feed.failing_since is not None
        and now - feed.failing_since >= after
    )
