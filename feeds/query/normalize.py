"""Text normalization and tokenization shared by queries, documents and search tokens.

Normalization is NFKC, then casefold, then diacritics folded (combining marks dropped), invisible format
characters (zero-width space, bidi controls, ...) dropped, then traditional Chinese folded to simplified
(``feeds.script_fold``), applied character by character so every normalized character can be traced back to
the original one (``offset_map``).

Tokens are what the matcher compares: a *word* is a maximal run of letters and digits outside the CJK
scripts (so ``Binzhou`` is a word inside ``滨州Binzhou市``); every CJK character (Han, Kana, Hangul) is a
token of its own, so CJK terms match inside unsegmented text. Everything else separates tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from itertools import chain as _chain
from operator import add

from feeds.invisible import is_invisible_format
from feeds.script_fold import fold_script

_CJK_RANGES = (
    "\u1100-\u11ff\u3005-\u3007\u3021-\u3029\u3031-\u3035\u303b\u303c\u3041-\u3096\u309d-\u309f"
    "\u30a1-\u30fa\u30fc-\u30ff\u3131-\u318e\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
    "\uac00-\ud7a3\ud7b0-\ud7ff\uf900-\ufaff"
)
HAN_STABLE = "\u3400-\u4dbf\u4e00-\u9fff"  # CJK unified ideographs: only the script fold changes them
_CJK_ASTRAL = "\U00020000-\U0003134f"
CJK_CHAR = re.compile(f"[{_CJK_RANGES}{_CJK_ASTRAL}]")
TOKEN_RE = re.compile(f"[^\\W_{_CJK_RANGES}{_CJK_ASTRAL}]+|[{_CJK_RANGES}{_CJK_ASTRAL}]")
_RUN_RE = re.compile(r"[^\W_]+")
_IDEOGRAPH = re.compile(f"[{HAN_STABLE}\uf900-\ufaff{_CJK_ASTRAL}]")
_CJK_ONLY_RE = re.compile(f"[{_CJK_RANGES}{_CJK_ASTRAL}]+")
_NO_PAIRS: frozenset[str] = frozenset()
_ASCII_SEPARATORS = bytes(code if chr(code).isalnum() else 32 for code in range(128)) + b" " * 128

# Letters with a stroke or similar have no Unicode decomposition; fold the common ones by hand.
_EXTRA_FOLDS = {"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ŀ": "l"}


def _fold_char(char: str) -> str:
    """NFKC, casefold, diacritics and script folding of one character (may return 0..n characters).

    Invisible format characters fold to nothing, as normalized feed text has none (``feeds.invisible``)."""
    if is_invisible_format(char):
        return ""
    text = unicodedata.normalize("NFKC", char).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = unicodedata.normalize("NFC", text)
    text = "".join(_EXTRA_FOLDS.get(c, c) for c in text)
    return fold_script(text) if _IDEOGRAPH.search(text) else text


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table that computes and remembers each character's folding on first use."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_TABLE = _FoldTable()


_NOT_HAN_RUN = re.compile(f"[^{HAN_STABLE}]+")
_NON_ASCII = re.compile("[^\\x00-\\x7f]+(?:[\\x00-\\x7f]{1,8}[^\\x00-\\x7f]+)*")
"""Non-ASCII characters, with the short ASCII gaps between them (a space, a word) taken along."""


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_TABLE)


def normalize_text(text: str) -> str:
    """NFKC + casefold + diacritics + script folded, character by character (``Zürich`` -> ``zurich``,
    ``濱州`` -> ``滨州``).

    Text with Chinese characters is folded run by run between them, then the script fold runs once over the
    whole (it leaves the rest alone): a table lookup per character costs more than one per run. Other text
    is lower-cased at C speed first and only its non-ASCII stretches go through the table: folding a
    character's lower case gives what folding the character gives, for every code point outside Han (a test
    checks them all), and the table leaves lower-case ASCII as it is."""
    if text.isascii():
        return text.lower()
    if _NOT_HAN_RUN.fullmatch(text):
        return _NON_ASCII.sub(_fold_run, text.lower())
    return fold_script(_NOT_HAN_RUN.sub(_fold_run, text))


def offset_map(text: str) -> list[int]:
    """For each character of ``normalize_text(text)``, the index of the original character it came from."""
    if text.isascii():
        return list(range(len(text)))
    result: list[int] = []
    for index, char in enumerate(text):
        result.extend([index] * len(_TABLE[ord(char)]))
    return result


def tokenize(normalized: str) -> list[str]:
    """Tokens of already normalized text: words and single CJK characters, in order."""
    if normalized.isascii():
        return normalized.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split()
    return tokenize_with_pairs(normalized)[0]


def tokenize_with_pairs(normalized: str) -> tuple[list[str], frozenset[str], list[str]]:
    """Tokens, every pair of CJK characters that are consecutive tokens (as the index keys them), and the
    tokens that are words (not CJK characters; the tokens themselves when all are)."""
    if CJK_CHAR.search(normalized) is None:  # every run of letters and digits is a word
        runs: list[str] = _RUN_RE.findall(normalized)
        return runs, _NO_PAIRS, runs
    tokens: list[str] = []
    pairs: list[Iterator[str]] = []
    words: list[str] = []
    chain: list[str] = []  # consecutive CJK tokens not yet paired
    for run in _RUN_RE.findall(normalized):
        if run.isascii() or CJK_CHAR.search(run) is None:
            parts = [run]
        elif _CJK_ONLY_RE.fullmatch(run):
            tokens.extend(run)
            chain.append(run)
            continue
        else:
            parts = TOKEN_RE.findall(run)
        for part in parts:
            if len(part) == 1 and CJK_CHAR.match(part):
                chain.append(part)
            else:
                _pair(chain, pairs)
                words.append(part)
            tokens.append(part)
    _pair(chain, pairs)
    return tokens, frozenset(_chain.from_iterable(pairs)), tokens if len(words) == len(tokens) else words


def _pair(chain: list[str], pairs: list[Iterator[str]]) -> None:
    """Add the pairs of a chain of consecutive CJK characters, then empty it."""
    if chain:
        chars = "".join(chain)
        pairs.append(map(add, chars, chars[1:]))
        chain.clear()


def token_spans(normalized: str) -> Iterator[tuple[int, int]]:
    """Character spans (in the normalized text) of the tokens ``tokenize`` returns, in the same order."""
    for match in TOKEN_RE.finditer(normalized):
        yield match.span()


def is_cjk(token: str) -> bool:
    """Whether a token is a single CJK character."""
    if len(token) != 1 or token.isascii():
        return False
    return "\u4e00" <= token <= "\u9fff" or CJK_CHAR.match(token) is not None


def display(tokens: tuple[str, ...] | list[str]) -> str:
    """Tokens joined for display: words separated by spaces, CJK characters written together."""
    out: list[str] = []
    for index, token in enumerate(tokens):
        if index and not (is_cjk(token) or is_cjk(tokens[index - 1])):
            out.append(" ")
        out.append(token)
    return "".join(out)
