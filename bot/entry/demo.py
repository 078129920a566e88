"""``wirewatch demo``: the whole product on bundled sample feeds, no token, no network, then exit 0.

Serves the sample wires from a loopback server, uses a throwaway SQLite database, subscribes a console chat,
builds the fetch, match and deliver stages of ``run`` (``bot.entry.stages``) delivering to the terminal,
steps them one pass at a time on the demo's own clock, and prints what the chat would read in Telegram.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from bot.chat.alias_offers import ALIAS_PREFIX
from bot.chat.feed_report import poll_status
from bot.chat.i18n import Translator
from bot.entry.console import CONSOLE_CHAT_ID, ConsoleChat, console_language
from bot.entry.runtime import Runtime, open_runtime
from bot.entry.sample_server import SampleFeedServer, sample_feeds
from bot.entry.stages import Outlet, Stages, build_stages, make_pacer
from bot.pipeline.ingest import FeedPollResult
from bot.pipeline.transport import ConsoleTransport
from bot.settings import DatabaseSettings, DeliverySettings, Settings
from feeds.models import ChatKind, FeedSpec
from feeds.volume import next_digest_slot

FEED_NAMES = {
    "asianet.xml": "Xinhua-AsiaNet (sample)",
    "prwire.xml": "PR Wire Asia (sample)",
    "globewire.xml": "Globe Wire (sample)",
    "zhwire.xml": "山东财经快讯（示例）",
    "hkwire.xml": "港澳財經通訊（示例）",
}
# Wires that published before the chat subscribed (all but their first, newest release): what the demo's
# first poll stores, so a name has evidence in the other script when the chat subscribes.
EARLIER_WIRES = ("zhwire.xml", "hkwire.xml")
SUBSCRIPTIONS = ("Binzhou", "Shandong -aluminum")
DIGEST_AT = time(8)
DEMO_ROLES = frozenset({"fetch", "match", "deliver"})  # the console chat is the demo's front end
FEED_INTERVAL_SECONDS = 60
POLL_STEP = timedelta(seconds=5 * FEED_INTERVAL_SECONDS)  # between two polls: every feed due again
# Releases a wire publishes later in the demo, while the chat takes a morning digest (Atom entries).
LATER_ENTRIES = (
    ("7801", "Binzhou Port Adds a Second Ro-Ro Berth for Car Exports", "BINZHOU, China -- The port opened"),
    ("7802", "Shandong Solar Farms Pass 80 GW of Capacity", "JINAN, China -- Solar capacity in Shandong"),
)


def _heading(out: TextIO, text: str) -> None:
    out.write(f"\n=== {text} ===\n\n")
    out.flush()


def without_entries(body: bytes) -> bytes:
    """A sample feed before its wire published anything: the channel without items or entries."""
    return re.sub(rb"<(item|entry)[\s>].*?</\1>", b"", body, flags=re.DOTALL)


def without_newest(body: bytes) -> bytes:
    """A sample RSS wire before its first (newest) item was published."""
    return re.sub(rb"<item[\s>].*?</item>\s*", b"", body, count=1, flags=re.DOTALL)


def before_subscribing(files: dict[str, bytes]) -> dict[str, bytes]:
    """What the wires held when the chat subscribed: the Chinese wires' earlier releases, nothing else."""
    return {
        name: without_newest(body) if name in EARLIER_WIRES else without_entries(body)
        for name, body in files.items()
    }


async def subscribe(chat: ConsoleChat) -> None:
    """Step 1: the chat subscribes, and presses the offer of Binzhou's name in Chinese script (shown as the
    chat writes it: 滨州, or 濱州 in 繁體)."""
    for query in SUBSCRIPTIONS:
        reply = await chat.say(f"/subscribe {query}")
        for button in (b for row in reply.buttons for b in row if b.data.startswith(ALIAS_PREFIX)):
            await chat.press(button)


def with_later_entries(body: bytes) -> bytes:
    """The Globe Wire sample with two more releases on top (what it publishes later in the demo)."""
    entries = "".join(
        f"<entry><title>{title}</title><id>urn:example:globewire:later-{key}</id>"
        f'<link href="https://globe.example.net/news/later/{key}.html"/>'
        f"<updated>2026-11-28T0{n}:00:00Z</updated>"
        f"<content type='html'>&lt;p&gt;{lead} on Friday.&lt;/p&gt;</content></entry>"
        for n, (key, title, lead) in enumerate(LATER_ENTRIES)
    )
    return body.replace(b"</feed>", entries.encode() + b"</feed>")


async def show_digest(
    demo: DemoRun, chat: ConsoleChat, server: SampleFeedServer, out: TextIO, t: Translator
) -> int:
    """Step 6: the chat takes a morning digest; new releases are held, then time jumps to the slot (the
    chat's clock with it: /status tells the time the digest was sent)."""
    await chat.say("/tz Asia/Shanghai")
    await chat.say(f"/digest {DIGEST_AT:%H:%M}")
    files = sample_feeds()
    server.serve({**files, "globewire.xml": with_later_entries(files["globewire.xml"])})
    results = await demo.poll()
    held = await demo.match()
    items = sum(len(r.new_items) for r in results)
    line = t.gettext("new items: %(items)s, alerts held for the digest: %(queued)s", items=items, queued=held)
    out.write(f"  {line}\n")
    zone = demo.runtime.store.chat_volume(CONSOLE_CHAT_ID).zone
    slot = next_digest_slot(demo.clock(), zone, (DIGEST_AT,))
    sent = await demo.deliver()
    out.write("  " + t.gettext("sent before %(time)s: %(sent)s", time=f"{DIGEST_AT:%H:%M}", sent=sent) + "\n")
    when = t.format_datetime(slot, zone) + t.aside(zone.key)
    out.write("  " + t.gettext("… the clock jumps to %(when)s …", when=when) + "\n\n")
    demo.clock.now = slot + timedelta(seconds=1)
    digests = await demo.deliver()
    await chat.say("/status")
    return digests


class DemoClock:
    """The demo's time: starts now, moves only when the script moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True, slots=True)
class DemoRun:
    """The fetch, match and deliver stages of ``run`` (built by the same wiring), stepped one pass at a
    time on the demo's clock, so the story prints the same every time."""

    runtime: Runtime
    stages: Stages
    clock: DemoClock

    @classmethod
    def build(cls, runtime: Runtime, transport: ConsoleTransport, clock: DemoClock) -> DemoRun:
        outlet = Outlet(transport, make_pacer(runtime.settings.delivery), (ChatKind.CONSOLE,))
        return cls(runtime, build_stages(runtime, DEMO_ROLES, outlet, clock=clock, fetch_in_flight=1), clock)

    async def poll(self, step: timedelta = POLL_STEP) -> list[FeedPollResult]:
        """Every feed due, ``step`` (a poll interval) after the last pass, one at a time in the order they
        are claimed (due time, then id: the same order on every run); results by feed name."""
        assert self.stages.fetch is not None
        self.clock.now += step
        results: list[FeedPollResult] = []
        while True:
            await self.stages.fetch.run_pass()
            polled = await self.stages.fetch.settle()
            if not polled:
                return sorted(results, key=lambda result: result.feed_name)
            results.extend(polled)

    async def match(self) -> int:
        """One match pass; the alerts it queued."""
        assert self.stages.match is not None
        return await self.stages.match.run_pass()

    async def deliver(self) -> int:
        """One sender pass over the alerts due; the messages sent."""
        assert self.stages.sender is not None
        return await self.stages.sender.drain_once()


def demo_settings(server: SampleFeedServer, names: list[str], database: Path) -> Settings:
    """Settings for the demo: the sample feeds, a throwaway database, instant delivery."""
    feeds = tuple(FeedSpec(FEED_NAMES.get(n, n), server.url(n), FEED_INTERVAL_SECONDS) for n in sorted(names))
    return Settings(
        database=DatabaseSettings(url=f"sqlite:///{database}"),
        delivery=DeliverySettings(global_per_second=1000, private_per_second=1000, private_burst=100),
        feeds=feeds,
    )


async def run_demo(out: TextIO, language: str | None = None) -> int:
    """Run the scripted demo; returns 0. ``language`` (``--lang``) is the demo chat's language."""
    files = sample_feeds()
    earlier = before_subscribing(files)
    with tempfile.TemporaryDirectory(prefix="wirewatch-demo-") as tmp, SampleFeedServer(earlier) as server:
        settings = demo_settings(server, list(files), Path(tmp) / "demo.db")
        clock = DemoClock(datetime.now(UTC))  # the stages' and the chat's: /status agrees with the digest
        async with open_runtime(settings, use_processes=False, clock=clock) as runtime:
            t = await console_language(runtime.store, language, settings.chat.default_language)
            heading = t.gettext("── to the console chat ──")
            demo = DemoRun.build(runtime, ConsoleTransport(out, heading=lambda chat_id: heading), clock)
            chat = ConsoleChat(runtime.service, out, echo_input=True)
            # A new feed's first poll never alerts: learn the wires and store what they hold, before the
            # chat subscribes (so at the demo's start time: a subscription is made on the real clock).
            await demo.poll(step=timedelta())
            _heading(out, t.gettext("1. A chat subscribes"))
            await subscribe(chat)
            server.serve(files)  # then the wires publish
            _heading(out, t.gettext("2. Polling %(count)s sample wires", count=len(settings.feeds)))
            await _poll(demo, out, t)
            _heading(out, t.gettext("3. Alerts, as the chat reads them in Telegram"))
            sent = await demo.deliver()
            _heading(out, t.gettext("4. Polling again: nothing is new, nothing is sent twice"))
            await _poll_again(demo, out, t)
            _heading(out, t.gettext("5. Searching what is stored"))
            for line in ("/recent Binzhou", "/recent 滨州", "/list"):
                await chat.say(line)
            six = t.gettext("6. A morning digest instead of instant alerts (the demo's clock jumps ahead)")
            _heading(out, six)
            digests = await show_digest(demo, chat, server, out, t)
            _heading(out, t.gettext("7. Insight: a dry run, and a chart of stories per day"))
            for line in ("/test Binzhou", "/test Binzhou aluminium", "/trend Binzhou"):
                await chat.say(line)
    out.write(_finished(t, sent, digests) + "\n")
    return 0


def _finished(t: Translator, sent: int, digests: int) -> str:
    """The demo's last line."""
    return t.ngettext(
        "Demo finished: %(count)s alert and %(digests)s digest delivered; the chart is the PNG named above. "
        "Next: `make test`, then see README.md to run it for real.",
        "Demo finished: %(count)s alerts and %(digests)s digest delivered; the chart is the PNG named above. "
        "Next: `make test`, then see README.md to run it for real.",
        sent,
        count=sent,
        digests=digests,
    )


async def _poll(demo: DemoRun, out: TextIO, t: Translator) -> None:
    """Step 2: every sample wire polled once, then matched."""
    for result in await demo.poll():
        line = t.ngettext(
            "%(feed)s: %(status)s, %(count)s new item",
            "%(feed)s: %(status)s, %(count)s new items",
            len(result.new_items),
            feed=result.feed_name,
            status=poll_status(result.status, t),
            count=len(result.new_items),
        )
        out.write(f"  {line}\n")
    enqueued = await demo.match()
    queued = t.ngettext(
        "matched: %(count)s alert queued (one per story per chat)",
        "matched: %(count)s alerts queued (one per story per chat)",
        enqueued,
        count=enqueued,
    )
    out.write(f"  {queued}\n")


async def _poll_again(demo: DemoRun, out: TextIO, t: Translator) -> None:
    """Step 4: a second poll finds nothing new, queues nothing and sends nothing."""
    items = sum(len(r.new_items) for r in await demo.poll())
    queued = await demo.match()
    sent = await demo.deliver()
    summary = t.gettext(
        "new items: %(items)s, alerts queued: %(queued)s, sent: %(sent)s",
        items=items,
        queued=queued,
        sent=sent,
    )
    out.write(f"  {summary}\n")
