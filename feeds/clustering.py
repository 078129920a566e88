"""Story clustering fingerprints: the same release on several wires gets the same fingerprints.

``title_fingerprint`` hashes the title's normalized words (a leading or trailing wire tag dropped), so equal
fingerprints mean equal titles up to case, punctuation, width and accents. ``body_fingerprint`` is a 64-bit
SimHash of word 3-shingles (CJK: character 3-shingles) over the lede of the body, before any boilerplate
footer ("About …", "Media contact", "SOURCE …"); ``same_story`` compares two of them by Hamming distance.
Pass the body *after* the dateline, so different wires' datelines don't matter.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from feeds.models import NewItem

MAX_HAMMING = 12
"""Largest Hamming distance between body fingerprints of one story (64 bits; unrelated texts: ~32)."""

MAX_TOKENS = 128
"""Only the lede counts: the first tokens of the body, where releases differ most from their template."""

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_WORD = re.compile(r"[^\W_]+")
_WIRES = (
    r"(?:pr\s?newswire(?:-\w+)?|business\s?wire|globe\s?newswire|accesswire|newsfile|asianet(?:-\w+)?"
    r"|xinhua(?:-asianet)?|ap|reuters|afp|kyodo|yonhap|ians|ani|pti|marketwired|cision|einpresswire)"
)
_WIRE_HEAD = re.compile(rf"^\W*{_WIRES}\W*?\s*[:|\-–—]\s*", re.IGNORECASE)
_WIRE_TAIL = re.compile(rf"\s+[|\-–—]\s*{_WIRES}\W*$", re.IGNORECASE)
_FOOTER = re.compile(
    r"\n(?:About\s|ABOUT\s|Media\s+[Cc]ontacts?|MEDIA\s+CONTACTS?|Contacts?:|CONTACTS?:|SOURCE\s|Source:\s"
    r"|View original content|Forward[- ][Ll]ooking [Ss]tatements|FORWARD[- ]LOOKING|Safe [Hh]arbor|###"
    r"|For (?:more|further) information|关于|联系人|媒体联系)"
)
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LOW_BITS = [bytes((b >> k) & 1 for b in range(256)) for k in range(8)]
_FOLDS = [(64 * rows, (1 << (64 * rows)) - 1) for rows in (64, 32, 16, 8, 4, 2, 1)]
"""Halving steps that sum ``MAX_TOKENS`` (128) rows of 64 bits into one row of eight byte lanes."""
_MAJORITY = [bytes(int(count * 2 > n) for count in range(256)) for n in range(MAX_TOKENS + 1)]
"""Per row count ``n``: a byte table mapping a lane's count of set bits to 1 when it is a majority."""
_ASCII_SEPARATORS = bytes(b if chr(b).isalnum() else 32 for b in range(128)) + bytes([32] * 128)
"""Maps every ASCII byte except letters and digits to a space (``_TOKEN`` on ASCII text, at C speed)."""
_TOKEN_CACHE: dict[bytes, bytes] = {}
_TOKEN_CACHE_MAX = 50_000


def _fold(text: str) -> str:
    """NFKC, casefold and strip Latin/Greek/Cyrillic diacritics (CJK and kana marks are kept)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    if len(decomposed) == len(text):
        return text
    return unicodedata.normalize("NFC", _DIACRITICS.sub("", decomposed))


def title_fingerprint(title: str) -> str:
    """16 hex chars identifying the title's words; ``""`` for a title without words."""
    title = _WIRE_TAIL.sub("", _WIRE_HEAD.sub("", title.strip()))
    words = _WORD.findall(_fold(title))
    if not words:
        return ""
    return hashlib.blake2b(" ".join(words).encode(), digest_size=8).hexdigest()


def _token_digest(token: bytes) -> bytes:
    """Three independent 64-bit hashes of a token as 24 bytes, one per position in a shingle (cached)."""
    digest = _TOKEN_CACHE.get(token)
    if digest is None:
        if len(_TOKEN_CACHE) >= _TOKEN_CACHE_MAX:
            _TOKEN_CACHE.clear()
        digest = _TOKEN_CACHE[token] = hashlib.blake2b(token, digest_size=24).digest()
    return digest


def _tokens(folded: str) -> list[bytes]:
    """The first ``MAX_TOKENS`` tokens (words, single CJK characters) as UTF-8; ASCII is split at C speed."""
    if folded.isascii():
        return folded.encode().translate(_ASCII_SEPARATORS).split()[:MAX_TOKENS]
    return [token.encode() for token in _TOKEN.findall(folded)[:MAX_TOKENS]]


def _shingle_hashes(tokens: list[bytes]) -> bytes:
    """Packed 64-bit hashes, one per 3-shingle: the XOR of position-specific token hashes.

    The token digests are joined once; each position's hashes are a strided view of them, and the XOR runs
    once over the three views taken as big integers."""
    cached = _TOKEN_CACHE.get
    table = memoryview(b"".join([cached(t) or _token_digest(t) for t in tokens])).cast("Q")
    count = len(tokens) - 2
    if count < 1:
        return table[::3].tobytes()
    a, b, c = (int.from_bytes(table[4 * k : 3 * (k + count) : 3], "little") for k in range(3))
    return (a ^ b ^ c).to_bytes(8 * count, "little")


def _simhash(hashes: bytes) -> int:
    """Bit ``i`` is set when more than half of the packed 64-bit hashes have bit ``i`` set (at most
    ``MAX_TOKENS``).

    Per bit ``k`` of each byte: ``translate`` turns every byte into 0/1, the rows (one per hash) are summed
    lane-wise by folding the whole table as one big integer, and a lookup table applies the majority."""
    n = len(hashes) // 8
    data = hashes + bytes(8 * (MAX_TOKENS - n))
    majority = _MAJORITY[n]
    result = 0
    for k, table in enumerate(_LOW_BITS):
        rows = int.from_bytes(data.translate(table), "little")
        for shift, mask in _FOLDS:
            rows = (rows & mask) + (rows >> shift)
        result |= int.from_bytes(rows.to_bytes(8, "little").translate(majority), "little") << k
    return result


def body_fingerprint(body: str) -> str:
    """64-bit SimHash of the body's lede as 16 hex chars; ``""`` for a body without words."""
    footer = _FOOTER.search(body)
    if footer is not None and footer.start() > 0:
        body = body[: footer.start()]
    tokens = _tokens(_fold(body[: MAX_TOKENS * 8]))
    if not tokens:
        return ""
    return f"{_simhash(_shingle_hashes(tokens)):016x}"


def same_story(body_fp_a: str, body_fp_b: str) -> bool:
    """Whether two body fingerprints are near-identical; empty or malformed fingerprints never match."""
    if len(body_fp_a) != 16 or len(body_fp_b) != 16:
        return False
    try:
        distance = (int(body_fp_a, 16) ^ int(body_fp_b, 16)).bit_count()
    except ValueError:
        return False
    return distance <= MAX_HAMMING


@dataclass(frozen=True, slots=True)
class Known:
    """An item already stored (or just inserted) that a new item may join."""

    story_id: int
    link: str | None
    title_fingerprint: str
    body_fingerprint: str
    first_seen_at: datetime


def joins(item: NewItem, known: Known, window: timedelta) -> bool:
    """Whether ``item`` belongs to ``known``'s story."""
    if abs(item.first_seen_at - known.first_seen_at) > window:
        return False
    if item.link and item.link == known.link:
        return True
    return bool(item.title_fingerprint) and (
        item.title_fingerprint == known.title_fingerprint
        and same_story(item.body_fingerprint, known.body_fingerprint)
    )


def pick_story(item: NewItem, candidates: Sequence[Known], window: timedelta) -> int | None:
    """The story of the first candidate (oldest first) that ``item`` joins, preferring a same-link one."""
    by_link = [k for k in candidates if item.link and k.link == item.link and joins(item, k, window)]
    if by_link:
        return by_link[0].story_id
    return next((k.story_id for k in candidates if joins(item, k, window)), None)
