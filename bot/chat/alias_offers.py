"""Aliases in chat: the same name in another script, offered as buttons under /subscribe's answer and by
/aliases ID, each with its evidence; a press adds that one to the subscription as an ``OR`` (same id).

Pinyin is ambiguous, so nothing is added without a press. A subscription gets offers while its text is one
name in one script (``Binzhou``, ``滨州``), possibly with aliases added already (``Binzhou OR 滨州``).
Names are shown, and added, in the chat's script (``濱州`` in a 繁體 chat; the store finds them folded to
Simplified); the fold makes either form match both scripts. A button's data is the subscription id and a
short hash of the subscription as it is (id, age, text) and the alias as the store found it; the press
looks the candidates up again and acts only when that alias is still offered, the subscription is the
chat's own and unchanged, so a stale or forged button changes nothing (and is answered). ``/aliases ID
NAME`` does what the press does, for the console.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from bot.chat.context import (
    ButtonRoute,
    ChatContext,
    Command,
    IndexUpdates,
    chat_translator,
    refuse_unless_manager,
)
from bot.chat.i18n import Translator
from bot.chat.ports import AliasStore
from bot.chat.query_text import query_error_text
from bot.chat.replies import Button, Reply, echo
from bot.offload import off_loop
from feeds.aliases import Alias, AliasTerm, AliasTermError, parse_alias_term
from feeds.models import Subscription
from feeds.query import QueryError, parse_query
from feeds.query.normalize import normalize_text
from feeds.values import DuplicateSubscriptionError

logger = logging.getLogger(__name__)

ALIAS_PREFIX = "alias:"
OFFER_DAYS = 90
MAX_OFFERS = 3
_ONE_WORD = re.compile("[a-z]+|[\u3400-\u9fff]+")  # after normalize_text: one Latin word or one Han run
_SEPARATOR = " OR "


@dataclass(frozen=True, slots=True)
class OfferTarget:
    """What a subscription's text offers aliases for: its first name, and the (folded) names it holds."""

    term: AliasTerm
    present: frozenset[str]


def offer_target(query: str) -> OfferTarget | None:
    """``Binzhou`` or ``Binzhou OR 滨州`` -> the name ``Binzhou``; None for any other query (a phrase, an
    AND, an exclusion, a name that is not one word in one script)."""
    parts = " ".join(query.split()).split(_SEPARATOR)
    folded = [normalize_text(part) for part in parts]
    if not all(_ONE_WORD.fullmatch(part) for part in folded):
        return None
    try:
        term = parse_alias_term(parts[0])
    except AliasTermError:
        return None
    return OfferTarget(term, frozenset(folded))


def alias_token(subscription: Subscription, alias: str) -> str:
    """A short stand-in for the alias in a button's data (64 bytes at most there), bound to the
    subscription as it is now (id, age, text): once it is rewritten or replaced, the old buttons are stale."""
    made = subscription.created_at.isoformat()
    key = "\n".join((str(subscription.id), made, " ".join(subscription.query.split()), alias))
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def button_data(subscription: Subscription, alias: str) -> str:
    """``alias:12:3f0c9a…``: at most 6 + 19 + 1 + 10 bytes."""
    return f"{ALIAS_PREFIX}{subscription.id}:{alias_token(subscription, alias)}"


def parse_button(rest: str) -> tuple[int, str] | None:
    """The subscription id and alias token of a button's data after the prefix; None when malformed."""
    ident, _, token = rest.partition(":")
    if not ident.isdecimal() or len(ident) >= 19 or not re.fullmatch("[0-9a-f]{10}", token):
        return None
    return int(ident), token


class AliasOffers:
    """Offers a subscription's name in other scripts, with evidence from ``store``; a press rewrites the
    subscription and reports it to the match stage's index."""

    def __init__(self, store: AliasStore, matcher: IndexUpdates, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._matcher = matcher
        self._clock = clock

    async def buttons(self, subscription: Subscription, t: Translator) -> tuple[tuple[Button, ...], ...]:
        """Up to three buttons, one a row, for aliases of the subscription's name not in it yet (none when
        its text is not one name, or nothing has evidence or a gazetteer entry)."""
        target = offer_target(subscription.query)
        if target is None:
            return ()
        offered = await self._candidates(target)
        return tuple(
            (Button(_button_text(alias, t), button_data(subscription, alias.text)),) for alias in offered
        )

    async def aliases(self, ctx: ChatContext, args: str) -> Reply:
        """/aliases ID — offer a subscription's aliases again; /aliases ID NAME — add the offered NAME, as
        its button would (for the console, where there are no buttons)."""
        t = chat_translator(ctx)
        ident, _, chosen = args.removeprefix("#").partition(" ")
        if not ident.isdecimal() or len(ident) >= 19:
            return Reply(_usage(t))
        if refusal := await refuse_unless_manager(ctx, t):
            return refusal
        subscription = await self._owned(ctx.chat_id, int(ident))
        if subscription is None:
            return Reply(
                t.gettext("No subscription #%(id)s in this chat. /list shows the ones you have.", id=ident)
            )
        target = offer_target(subscription.query)
        if target is None:
            return Reply(_not_a_name(t, subscription))
        if chosen.strip():
            return await self._choose(ctx, t, subscription, target, chosen)
        buttons = await self.buttons(subscription, t)
        if not buttons:
            return Reply(
                t.gettext(
                    "No other names for <code>%(name)s</code> in the releases of the last %(days)s days.",
                    name=echo(target.term.text),
                    days=OFFER_DAYS,
                )
            )
        return Reply(offer_text(t), buttons)

    async def _choose(
        self, ctx: ChatContext, t: Translator, subscription: Subscription, target: OfferTarget, chosen: str
    ) -> Reply:
        """/aliases ID NAME: NAME (either script) must be one of the names offered now."""
        wanted = normalize_text(" ".join(chosen.split()))
        candidates = await self._candidates(target)
        alias = next((a for a in candidates if normalize_text(a.text) == wanted), None)
        if alias is None:
            return Reply(
                t.gettext(
                    "<code>%(name)s</code> is not one of the names offered for #%(id)s; "
                    "/aliases %(id)s shows them.",
                    name=echo(chosen),
                    id=subscription.id,
                )
            )
        return await self._add(ctx, t, subscription, alias)

    async def press(self, ctx: ChatContext, rest: str) -> Reply:
        """An alias button: add that alias to the subscription, if the offer still stands."""
        t = chat_translator(ctx)
        if refusal := await refuse_unless_manager(ctx, t):
            return refusal
        parsed = parse_button(rest)
        subscription = await self._owned(ctx.chat_id, parsed[0]) if parsed else None
        target = offer_target(subscription.query) if subscription else None
        if parsed is None or subscription is None or target is None:
            return Reply(_stale(t))
        candidates = await self._candidates(target)
        alias = next((a for a in candidates if alias_token(subscription, a.text) == parsed[1]), None)
        if alias is None:
            return Reply(_stale(t))
        return await self._add(ctx, t, subscription, alias)

    async def _add(self, ctx: ChatContext, t: Translator, subscription: Subscription, alias: Alias) -> Reply:
        """Append the alias as the chat writes it (濱州 in a 繁體 chat): the fold matches both scripts."""
        shown = t.in_script(alias.text)
        text = f"{' '.join(subscription.query.split())}{_SEPARATOR}{shown}"
        try:
            query = parse_query(text)
        except QueryError as exc:
            return Reply(t.gettext("That alias can't be added: %(reason)s.", reason=query_error_text(exc, t)))
        try:
            rewritten = await off_loop(
                self._store.rewrite_subscription, ctx.chat_id, subscription.id, subscription.query, query.text
            )
        except DuplicateSubscriptionError as dup:
            return Reply(
                t.gettext(
                    "You are already subscribed to <code>%(query)s</code> (#%(id)s).",
                    query=echo(dup.existing.query),
                    id=dup.existing.id,
                )
            )
        if rewritten is None:
            return Reply(_stale(t))
        self._matcher.add(rewritten, query)
        logger.info("alias_added chat=%s subscription=%s", ctx.chat_id, rewritten.id)
        done = t.gettext(
            "Subscription #%(id)s is now <code>%(query)s</code>: releases that say %(alias)s match it too.",
            id=rewritten.id,
            query=echo(rewritten.query),
            alias=echo(shown),
        )
        return Reply(done, await self.buttons(rewritten, t))

    async def _candidates(self, target: OfferTarget) -> Sequence[Alias]:
        found = await off_loop(self._store.aliases, target.term, since=self._since())
        fresh = [alias for alias in found if normalize_text(alias.text) not in target.present]
        return fresh[:MAX_OFFERS]  # a press acts only on what was offered

    async def _owned(self, chat_id: int, subscription_id: int) -> Subscription | None:
        subscriptions = await off_loop(self._store.list_subscriptions, chat_id)
        return next((s for s in subscriptions if s.id == subscription_id), None)

    def _since(self) -> datetime:
        return self._clock() - timedelta(days=OFFER_DAYS)

    COMMANDS: ClassVar[tuple[Command[AliasOffers], ...]] = (Command(("aliases",), aliases),)
    BUTTONS: ClassVar[tuple[ButtonRoute[AliasOffers], ...]] = (ButtonRoute(ALIAS_PREFIX, press),)


def offer_text(t: Translator) -> str:
    """The line above alias buttons."""
    return t.gettext(
        "The same name in another script, with the releases of the last %(days)s days that contain it. "
        "A press adds it to this subscription with OR.",
        days=OFFER_DAYS,
    )


def _button_text(alias: Alias, t: Translator) -> str:
    return t.ngettext(
        "➕ %(alias)s · %(count)s in %(days)s day",
        "➕ %(alias)s · %(count)s in %(days)s days",
        OFFER_DAYS,
        alias=t.in_script(alias.text),
        count=alias.evidence,
        days=OFFER_DAYS,
    )


def _usage(t: Translator) -> str:
    return t.gettext(
        "Usage: /aliases ID [NAME] — a subscription's name in other scripts, e.g. 滨州 for Binzhou; "
        "with NAME, add that one; the ids are shown by /list"
    )


def _not_a_name(t: Translator, subscription: Subscription) -> str:
    return t.gettext(
        "Subscription #%(id)s <code>%(query)s</code> is not one name: aliases are offered for a name in "
        "one script, such as Binzhou or 滨州.",
        id=subscription.id,
        query=echo(subscription.query),
    )


def _stale(t: Translator) -> str:
    return t.gettext(
        "That offer no longer stands: the subscription changed or is gone. /aliases ID offers fresh ones."
    )
