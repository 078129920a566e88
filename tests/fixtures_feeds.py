"""Pytest fixtures for feed tests: a live ``feed_server`` and the hand-written fixture feeds.

Register with ``pytest_plugins = ["tests.fixtures_feeds"]`` (or ``-p tests.fixtures_feeds``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.feed_server import FeedServer

FEEDS_DIR = Path(__file__).resolve().parent / "data" / "feeds"
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"


def feed_bytes(name: str) -> bytes:
    """The bytes of a fixture feed in ``tests/data/feeds``."""
    return (FEEDS_DIR / name).read_bytes()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A started ``FeedServer`` on 127.0.0.1 (random port), stopped after the test."""
    with FeedServer() as server:
        yield server
