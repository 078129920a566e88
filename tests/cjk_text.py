"""The typography rule of the Chinese catalogs and outputs, as tests check it.

Chinese text takes full-width punctuation (，；（）、): an ASCII ``,``, ``;``, ``(`` or ``)`` next to a Han
character or CJK punctuation such as 「」 (spaces between them allowed) is a mistake. Placeholders
(``%(count)s``) and ``<code>`` spans are left out: they hold query syntax and values, which stay ASCII.
"""

from __future__ import annotations

import re

HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
# Han, and the CJK punctuation block (「」、。): a Latin name before a full-width colon is fine
CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
ASCII_NEXT_TO_HAN = re.compile(rf"{CJK} *[,;()]|[,;()] *{CJK}")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
_CODE = re.compile(r"<code>.*?</code>", re.DOTALL)


def ascii_punctuation_next_to_han(text: str) -> list[str]:
    """Every ASCII ``,;()`` beside a Han character in ``text``, with the characters around it."""
    plain = _CODE.sub("C", _PLACEHOLDER.sub("X", text))
    return [plain[max(0, m.start() - 6) : m.end() + 6] for m in ASCII_NEXT_TO_HAN.finditer(plain)]


def has_han(text: str) -> bool:
    """Whether ``text`` holds a Han character."""
    return re.search(HAN, text) is not None
