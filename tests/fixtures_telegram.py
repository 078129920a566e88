"""Pytest fixtures for the fake Telegram Bot API server (register in ``pytest_plugins``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_telegram import FakeTelegram


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    """A started fake Telegram server (no rate limits), stopped after the test."""
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def fake_telegram_limited() -> Iterator[FakeTelegram]:
    """A started fake Telegram server that enforces Telegram's flood limits (answers 429)."""
    with FakeTelegram(enforce_limits=True) as server:
        yield server
