"""Reading Prometheus metrics in tests: parse a scrape, compare it with a snapshot of the process registry."""

from __future__ import annotations

import socket

import aiohttp
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.metrics import process_metrics

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(url: str) -> tuple[int, str]:
    """Status and text of a GET."""
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, await answer.text()


def parse(text: str) -> Samples:
    """Every sample of an exposition, keyed by (name, sorted labels)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def snapshot() -> Samples:
    """The process registry now (its counters are shared by every test in this process)."""
    return parse(generate_latest(process_metrics().registry).decode())


def delta(now: Samples, before: Samples, name: str, **labels: str) -> float:
    """How much a sample grew since ``before``."""
    key = (name, tuple(sorted(labels.items())))
    return now.get(key, 0.0) - before.get(key, 0.0)
