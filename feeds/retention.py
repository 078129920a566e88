"""What a retention run removed: the value the store returns and the retention job reports."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class PruneResult:
    """What a prune removed (or, in a dry run, would remove)."""

    items: int = 0
    search_entries: int = 0
    deliveries: int = 0
    identities: int = 0
    kept: int = 0  # old items kept because their story is newer or has a pending alert
    batches: int = 0

    def __add__(self, other: PruneResult) -> PruneResult:
        return PruneResult(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))
