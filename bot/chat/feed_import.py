"""OPML import and export of the feed list (``/import``, ``/export``, ``wirewatch feeds import|export``).

Importing checks each outline's URL without fetching it (scheme, port, a literal address: the guard's
``check_url``); names resolve when the feed is polled, through the guard, like any feed that is not from
the config. Every outline gets one line: added, already present (naming the feed), or refused and why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Literal

from bot.chat.feed_intake import add_named, existing_feed
from bot.chat.i18n import N_, Translator
from bot.chat.ports import FeedStore
from feeds.guard import GuardRefused, UrlPolicy
from feeds.models import FeedOrigin
from feeds.opml import OpmlFeed, export_opml
from feeds.urls import mask_url
from feeds.values import DuplicateFeedError

logger = logging.getLogger(__name__)

Outcome = Literal["added", "present", "refused"]
# the guard's reasons (``feeds.guard``) in words of the chat's language
GUARD_REASONS = {
    "private address": N_(
        "private address: a feed on this machine or a local network needs "
        "polling.allow_private_networks = true"
    ),
    "scheme not allowed": N_("only http and https links"),
    "port not allowed": N_(
        "port not allowed: the operator adds it to polling.allowed_ports (a feed on this machine or a local "
        "network also needs polling.allow_private_networks = true)"
    ),
    "invalid port": N_("invalid port"),
    "invalid address": N_("invalid address"),
    "invalid URL": N_("not a valid link"),
    "no host": N_("no host in the link"),
}


@dataclass(frozen=True, slots=True)
class ImportLine:
    """What became of one outline: ``detail`` is the feed's name (added, present) or why it was refused
    (``refused: …`` from the guard, ``name: …``, ``name taken``, ``limit``)."""

    title: str
    url: str
    outcome: Outcome
    detail: str


def export_feeds(store: FeedStore, now: datetime) -> tuple[bytes, int]:
    """The OPML 2.0 document of every feed we poll (passwords masked), and how many it lists."""
    feeds = store.list_feeds()
    return export_opml([OpmlFeed(f.name, mask_url(f.url)) for f in feeds], now=now), len(feeds)


def import_feeds(
    store: FeedStore,
    policy: UrlPolicy,
    outlines: Sequence[OpmlFeed],
    *,
    origin: FeedOrigin,
    interval_seconds: int,
    now: datetime,
    added_by_chat: int | None = None,
    limit: int | None = None,
) -> list[ImportLine]:
    """Add every outline's feed that we do not have; ``limit``: the most feeds ``added_by_chat`` may hold.
    Runs in a store thread."""
    lines: list[ImportLine] = []
    for outline in outlines:
        url = outline.url.strip()
        line = _import_one(store, policy, outline, url, origin, interval_seconds, now, added_by_chat, limit)
        lines.append(line)
    added = sum(1 for line in lines if line.outcome == "added")
    logger.info("opml_imported outlines=%d added=%d chat=%s", len(lines), added, added_by_chat)
    return lines


def _import_one(
    store: FeedStore,
    policy: UrlPolicy,
    outline: OpmlFeed,
    url: str,
    origin: FeedOrigin,
    interval_seconds: int,
    now: datetime,
    added_by_chat: int | None,
    limit: int | None,
) -> ImportLine:
    def line(outcome: Outcome, detail: str) -> ImportLine:
        return ImportLine(outline.title, url, outcome, detail)

    try:
        url = policy.check_url(url)
    except GuardRefused as refused:
        return line("refused", f"refused: {refused.reason}")
    same = existing_feed(store, url)
    if same is not None:
        return line("present", same.name)
    if limit is not None and added_by_chat is not None and store.count_feeds_added_by(added_by_chat) >= limit:
        return line("refused", "limit")
    try:
        feed = add_named(
            store, outline.title or None, outline.title, url, interval_seconds, origin, added_by_chat, now
        )
    except DuplicateFeedError as dup:
        return line("present", dup.existing.name) if dup.reason == "url" else line("refused", "name taken")
    except ValueError as bad:
        return line("refused", f"name: {bad}")
    return line("added", feed.name)


def render_report(lines: Sequence[ImportLine], t: Translator, *, html: bool = True, limit: int = 0) -> str:
    """One line per outline and a summary; ``html`` escapes for Telegram, ``limit`` caps the listed lines
    (0: all) so a long report fits one message."""
    quote: Callable[[str], str] = (lambda text: escape(text, quote=False)) if html else str
    shown = lines if not limit else lines[:limit]
    out = [_line(line, t, quote) for line in shown]
    if len(shown) < len(lines):
        out.append(t.gettext("… and %(count)s more", count=len(lines) - len(shown)))
    counts = {
        kind: sum(1 for line in lines if line.outcome == kind) for kind in ("added", "present", "refused")
    }
    out.append(
        t.gettext(
            "%(added)s added, %(present)s already present, %(refused)s refused.",
            added=counts["added"],
            present=counts["present"],
            refused=counts["refused"],
        )
    )
    return "\n".join(out)


def _line(line: ImportLine, t: Translator, quote: Callable[[str], str]) -> str:
    url = quote(mask_url(line.url)[:120])
    if line.outcome == "added":
        return t.gettext("+ %(url)s: added as %(name)s", url=url, name=quote(line.detail))
    if line.outcome == "present":
        return t.gettext("= %(url)s: already present as %(name)s", url=url, name=quote(line.detail))
    return t.gettext("✗ %(url)s: %(reason)s", url=url, reason=quote(refusal_text(line.detail, t)))


def guard_reason(reason: str, t: Translator) -> str:
    """The guard's reason (``private address``) in the chat's words."""
    return t.gettext(GUARD_REASONS[reason]) if reason in GUARD_REASONS else reason


def refusal_text(detail: str, t: Translator) -> str:
    """An import refusal in the chat's words."""
    if detail.startswith("refused: "):
        reason = detail.removeprefix("refused: ")
        return t.gettext("refused: %(reason)s", reason=guard_reason(reason, t))
    if detail == "limit":
        return t.gettext("this chat has added as many feeds as it may")
    if detail == "name taken":
        return t.gettext("another feed has this name")
    return t.gettext("a name has 1 to 64 characters and no control characters")
