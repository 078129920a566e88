"""The chat's command groups, composed: each built from its port and the shared parts, its declared
commands and buttons bound into the routes the router dispatches on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.chat.alert_actions import AlertButtons
from bot.chat.alias_offers import AliasOffers
from bot.chat.chat_settings import SettingsCommands
from bot.chat.context import BoundAnswer, BoundButton, Handler, IndexUpdates, bind_commands
from bot.chat.feed_commands import FeedCommands, FeedRules
from bot.chat.help_command import HelpCommands
from bot.chat.insight import Insight
from bot.chat.insight_commands import InsightCommands
from bot.chat.ports import ChatServiceStore, ItemTranslator
from bot.chat.recent import RecentSearch
from bot.chat.subscriptions import SubscriptionCommands
from bot.chat.translate_chat import TranslateCommands
from bot.chat.volume_chat import VolumeCommands
from feeds.guard import UrlPolicy

GROUPS = (
    HelpCommands,
    SubscriptionCommands,
    AliasOffers,
    InsightCommands,
    SettingsCommands,
    FeedCommands,
    VolumeCommands,
    TranslateCommands,
)
COMMAND_NAMES = tuple(name for group in GROUPS for command in group.COMMANDS for name in command.names)


@dataclass(frozen=True, slots=True)
class Routes:
    """Commands by name and alias; the groups' buttons by data prefix; the alert buttons' answers."""

    commands: dict[str, Handler]
    buttons: tuple[BoundButton, ...]
    answers: tuple[BoundAnswer, ...]

    def button(self, data: str) -> BoundButton | None:
        """The route of a command group's button (not an alert's), by its data's prefix."""
        return next((route for route in self.buttons if data.startswith(route.prefix)), None)

    def answer(self, data: str) -> BoundAnswer | None:
        """The route of an alert button, by its data's prefix."""
        return next((route for route in self.answers if data.startswith(route.prefixes)), None)


def compose(
    store: ChatServiceStore,
    matcher: IndexUpdates,
    *,
    admins: frozenset[int],
    clock: Callable[[], datetime],
    feeds: FeedCommands | None,
    wake_sender: Callable[[], None],
    translator: ItemTranslator | None = None,
) -> Routes:
    """Build every command group over ``store`` (``feeds`` None: feeds can't be added by URL;
    ``translator`` None: no translation)."""
    insight = Insight(store, clock)
    volume = VolumeCommands(store, clock, wake_sender)
    offers = AliasOffers(store, matcher, clock)
    subscriptions = SubscriptionCommands(store, matcher, insight, clock, offers)
    settings = SettingsCommands(store)
    feeds = feeds or FeedCommands(store, None, UrlPolicy(), FeedRules(), admins, clock)
    alerts = AlertButtons(store, matcher, volume, clock)
    translate = TranslateCommands(store, translator)
    commands = {
        **bind_commands(HelpCommands(admins), HelpCommands.COMMANDS),
        **bind_commands(subscriptions, SubscriptionCommands.COMMANDS),
        **bind_commands(offers, AliasOffers.COMMANDS),
        **bind_commands(InsightCommands(insight, RecentSearch(store), clock), InsightCommands.COMMANDS),
        **bind_commands(settings, SettingsCommands.COMMANDS),
        **bind_commands(feeds, FeedCommands.COMMANDS),
        **bind_commands(volume, VolumeCommands.COMMANDS),
        **bind_commands(translate, TranslateCommands.COMMANDS),
    }
    buttons = (
        *(route.bind(subscriptions) for route in SubscriptionCommands.BUTTONS),
        *(route.bind(offers) for route in AliasOffers.BUTTONS),
        *(route.bind(settings) for route in SettingsCommands.BUTTONS),
        *(route.bind(feeds) for route in FeedCommands.BUTTONS),
    )
    answers = (
        *(route.bind(translate) for route in TranslateCommands.ANSWERS),
        *(route.bind(alerts) for route in AlertButtons.ANSWERS),
    )
    return Routes(commands, buttons, answers)
