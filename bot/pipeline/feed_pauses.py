"""Feeds added from chat that fail for 7 days in a row are paused, and the chat that added each is told once.

Run after every ingest pass (``Pipeline.tick``). "Once" holds across processes: the notice is claimed in
the database (``mark_feed_owner_told``) before it is sent, so two processes never both send it; a notice
that Telegram then refuses is not repeated.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from bot.chat.allowed import AllowedChats
from bot.chat.i18n import DEFAULT_LANGUAGE, translator
from bot.chat.language import stored_language
from bot.chat.render import html_to_plain
from bot.chat.replies import echo
from bot.offload import off_loop
from bot.pipeline.ports import PauseStore
from bot.pipeline.transport import Transport
from feeds.models import ChatKind, FeedState
from feeds.sources import PAUSE_AFTER

logger = logging.getLogger(__name__)


class PauseNotices:
    """Pauses long-failing chat feeds and tells their chats, through ``transport``, in their language.

    ``kinds``: the chats this process may tell (Telegram chats, or the console's); a chat not in
    ``allowed_chats`` (``telegram.allowed_chats``) is never told."""

    def __init__(
        self,
        store: PauseStore,
        transport: Transport,
        *,
        kinds: Collection[ChatKind],
        default_language: str = DEFAULT_LANGUAGE,
        after: timedelta = PAUSE_AFTER,
        allowed_chats: Collection[int] | AllowedChats = (),
    ) -> None:
        self._store = store
        self._allowed = AllowedChats.of(allowed_chats)
        self._transport = transport
        self._kinds = frozenset(kinds)
        self._default_language = default_language
        self._after = after

    async def run(self, now: datetime) -> int:
        """Pause what failed long enough; tell each adding chat once. Returns the notices sent."""
        for feed in await off_loop(self._store.pause_failing_feeds, now, self._after):
            logger.warning(
                "feed_paused feed=%s chat=%s since=%s", feed.name, feed.added_by_chat, feed.failing_since
            )
        told = 0
        for feed in await off_loop(self._store.untold_paused_feeds):
            told += await self._tell(feed, now)
        return told

    async def _tell(self, feed: FeedState, now: datetime) -> int:
        chat = (
            None if feed.added_by_chat is None else await off_loop(self._store.get_chat, feed.added_by_chat)
        )
        if chat is not None and chat.kind not in self._kinds:
            return 0  # another process (the bot, or the console) tells this chat
        if not await off_loop(self._store.mark_feed_owner_told, feed.id, now) or chat is None:
            return 0
        if not self._allowed.allows(chat.id):  # marked told: a chat off the list is never told later
            logger.info("feed_pause_not_told feed=%s chat=%s reason=not_allowed", feed.name, chat.id)
            return 0
        t = translator(stored_language(chat, self._default_language))
        html = t.gettext(
            "Feed <b>%(name)s</b>, which this chat added, has failed for %(days)s days in a row, so it is "
            "paused. Last error: %(error)s\nIts releases stay in /recent; /addfeed with its URL polls it "
            "again, /removefeed removes it.",
            name=echo(feed.name),
            days=self._after.days,
            error=echo(feed.last_error or "?"),
        )
        result = await self._transport.send_html(chat.id, html, plain_text_fallback=html_to_plain(html))
        logger.info("feed_pause_told feed=%s chat=%s ok=%s", feed.name, chat.id, result.ok)
        return 1 if result.ok else 0
