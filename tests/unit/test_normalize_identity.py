"""Item identity: guid, else link, else content hash; never dates."""

from __future__ import annotations

import pytest

from feeds.identity import item_identity

CASES = [
    ("guid wins", " tag:wire,2026:1 ", "https://e.com/a", "T", "B", "guid:tag:wire,2026:1"),
    ("blank guid falls to link", "   ", "https://e.com/a", "T", "B", "link:https://e.com/a"),
    ("no guid uses link", None, "https://e.com/a", "T", "B", "link:https://e.com/a"),
    ("empty guid uses link", "", "https://e.com/a", "T", "B", "link:https://e.com/a"),
]


@pytest.mark.parametrize(
    ("guid", "link", "title", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_identity_kinds(guid: str | None, link: str | None, title: str, body: str, expected: str) -> None:
    assert item_identity(guid, link, title, body) == expected


def test_hash_when_no_guid_and_no_link() -> None:
    identity = item_identity(None, None, "Acme wins", "Body text")
    assert identity.startswith("hash:")
    assert len(identity) == len("hash:") + 64


SAME_HASH = [
    ("case", ("Acme Wins", "Body"), ("acme wins", "body")),
    ("whitespace", ("Acme  wins", "Body\n text"), ("Acme wins", "Body text")),
    ("width", ("Ａｃｍｅ wins", "Body"), ("Acme wins", "Body")),
]


@pytest.mark.parametrize(("a", "b"), [c[1:] for c in SAME_HASH], ids=[c[0] for c in SAME_HASH])
def test_hash_ignores_cosmetic_differences(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert item_identity(None, None, *a) == item_identity(None, None, *b)


DIFFERENT = [
    ("title", ("Acme wins", "Body"), ("Acme loses", "Body")),
    ("body", ("Acme wins", "Body one"), ("Acme wins", "Body two")),
    ("title and body boundary", ("Acme wins body", ""), ("Acme wins", "body")),
]


@pytest.mark.parametrize(("a", "b"), [c[1:] for c in DIFFERENT], ids=[c[0] for c in DIFFERENT])
def test_hash_differs_for_different_content(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert item_identity(None, None, *a) != item_identity(None, None, *b)


def test_kinds_cannot_collide() -> None:
    assert item_identity("https://e.com/a", None, "", "") != item_identity(None, "https://e.com/a", "", "")


def test_very_long_guid_is_hashed_but_stays_a_guid() -> None:
    identity = item_identity("x" * 5000, None, "", "")
    assert identity.startswith("guid:sha256:")
    assert identity != item_identity("x" * 4999, None, "", "")
