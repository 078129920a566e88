"""Simplified to Traditional Chinese with OpenCC (``s2t``): what a 繁體 chat is shown when the text came in
Simplified — a translator's answer when the provider has no Traditional, an alias name as the store found it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import opencc


@functools.cache
def _converter() -> opencc.OpenCC:
    import opencc  # loaded by the first conversion, not by every process that imports the chat

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """``text`` with every Simplified character (and phrase, per OpenCC's tables) in Traditional form."""
    return str(_converter().convert(text)) if text else text
