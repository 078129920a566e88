"""``telegram.allowed_chats``: the one check every path that talks to a chat makes (replies, instant and
grouped alerts, digests, spike alerts, pause notices)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

NOT_ALLOWED = "chat not in telegram.allowed_chats"


@dataclass(frozen=True, slots=True)
class AllowedChats:
    """The chats the bot may talk to; empty: every chat."""

    chats: frozenset[int] = frozenset()

    @classmethod
    def of(cls, chats: Collection[int] | AllowedChats) -> AllowedChats:
        """The allow-list of these chat ids (or the list itself)."""
        return chats if isinstance(chats, AllowedChats) else cls(frozenset(chats))

    def allows(self, chat_id: int) -> bool:
        """Whether the bot may send to ``chat_id``."""
        return not self.chats or chat_id in self.chats
