"""Simplified to Traditional Chinese with OpenCC (``s2t``), for providers that only answer in Simplified."""

from __future__ import annotations

import functools

import opencc


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """``text`` with every Simplified character (and phrase, per OpenCC's tables) in Traditional form."""
    return str(_converter().convert(text)) if text else text
