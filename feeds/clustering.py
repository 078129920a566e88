"""Story clustering fingerprints. INTERIM implementation (replaced by the normalization owner)."""

from __future__ import annotations

import hashlib
import re


def title_fingerprint(title: str) -> str:
    """A stable hash of the title's lower-cased words."""
    words = re.findall(r"[^\W_]+", title.casefold())
    return hashlib.sha1(" ".join(words).encode()).hexdigest()[:16]


def body_fingerprint(body: str) -> str:
    """A fingerprint of the body text (interim: hash of its words)."""
    words = re.findall(r"[^\W_]+", body.casefold())
    return hashlib.sha1(" ".join(words).encode()).hexdigest()[:16]


def same_story(body_fp_a: str, body_fp_b: str) -> bool:
    """Whether two body fingerprints are near-identical (interim: equal)."""
    return body_fp_a == body_fp_b
