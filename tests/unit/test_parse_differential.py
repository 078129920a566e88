"""The parse fast path against feedparser, document by document: any difference where the fast path accepted
the document fails.

Sets: the wires of ``../shared/corpus/wires``, the hostile feeds of ``tests/data/feeds``, feedparser 6.0.14's
own test documents (``../shared/peer-tests/feedparser-6.0.14``: wellformed, entities) and the rest of its
fixtures (``../shared/corpus/feedparser-tests``: illformed, encoding, compression, http). The shared sets
skip cleanly when ``../shared`` (beside the repository) is absent. Each test prints how many documents of its
set the fast path accepted (``-s`` shows it).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from feeds.parse import FeedParseError, ParsedFeed, parse_fast, parse_reference

SHARED = Path(__file__).resolve().parents[3] / "shared"
HOSTILE = Path(__file__).resolve().parents[1] / "data" / "feeds"
FEED_URL = "https://wire.example.org/feeds/news.xml"
HEADER_LINE = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)

SETS = {
    "wires": (SHARED / "corpus" / "wires", ("*",)),
    "hostile": (HOSTILE, ("*",)),
    "feedparser-wellformed": (SHARED / "peer-tests" / "feedparser-6.0.14" / "wellformed", ("**/*.xml",)),
    "feedparser-entities": (SHARED / "peer-tests" / "feedparser-6.0.14" / "entities", ("**/*.xml",)),
    "feedparser-fixtures": (SHARED / "corpus" / "feedparser-tests", ("**/*.xml", "**/*.gz", "**/*.z")),
}
"""Set name → folder and the file patterns of its documents."""


def documents(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    files = {path for pattern in patterns for path in folder.glob(pattern) if path.is_file()}
    return sorted(p for p in files if p.suffix not in (".md", ".txt") and "LICENSES" not in p.parts)


def body_of(path: Path, folder: Path) -> bytes:
    """A wires ``.gz`` is a stored download (the fetcher decompresses); fixtures are given as they are."""
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.suffix == ".gz" and folder.name == "wires" else raw


def fixture_headers(body: bytes) -> dict[str, str]:
    """The ``Header:`` lines of a feedparser fixture's leading comment (ASCII-compatible files)."""
    head = body[:4000].decode("latin-1")
    return {m.group(1).strip(): m.group(2).strip() for m in HEADER_LINE.finditer(head)}


def reference(body: bytes, headers: dict[str, str]) -> ParsedFeed | str:
    try:
        return parse_reference(body, headers, FEED_URL)
    except FeedParseError as error:
        return f"FeedParseError: {error}"


def difference(fast: ParsedFeed, expected: ParsedFeed | str) -> str | None:
    """The first field where the two readings differ, or None."""
    if isinstance(expected, str):
        return f"fast path accepted, feedparser: {expected}"
    if fast.title != expected.title:
        return f"feed title {fast.title!r} != {expected.title!r}"
    if len(fast.entries) != len(expected.entries):
        return f"{len(fast.entries)} entries != {len(expected.entries)}"
    for index, (mine, theirs) in enumerate(zip(fast.entries, expected.entries, strict=True)):
        for field in ("guid", "link", "title", "content_html", "published", "orig_link"):
            if getattr(mine, field) != getattr(theirs, field):
                return f"entry {index} {field}: {getattr(mine, field)!r} != {getattr(theirs, field)!r}"
    return None


@pytest.mark.parametrize("name", sorted(SETS))
def test_fast_path_gives_feedparsers_values(name: str) -> None:
    folder, patterns = SETS[name]
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    paths = documents(folder, patterns)
    assert paths, f"no documents in {folder}"
    accepted, differences = 0, []
    for path in paths:
        body = body_of(path, folder)
        headers = {} if name in ("wires", "hostile") else fixture_headers(body)
        fast = parse_fast(body, headers, FEED_URL)
        if fast is None:
            continue
        accepted += 1
        found = difference(fast, reference(body, headers))
        if found:
            differences.append(f"{path.relative_to(folder)}: {found}")
    print(f"\nfast_path_accepted set={name} accepted={accepted} documents={len(paths)}")
    assert not differences, "\n".join(differences[:40])
