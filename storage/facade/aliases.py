"""Aliases across scripts: candidate words in the other script, with the releases that hold them."""

from __future__ import annotations

from datetime import datetime

from feeds.aliases import Alias, AliasTerm
from storage import aliases_repo
from storage.db.engine import transaction
from storage.facade.base import StoreBase


class Aliases(StoreBase):
    """Evidence for aliases of a term (``wirewatch aliases``, the alias offers of ``/subscribe``)."""

    def aliases(self, term: AliasTerm, *, since: datetime) -> list[Alias]:
        """Candidates for ``term`` in the other script, with releases since ``since`` holding each."""
        with transaction(self._engine, write=False) as conn:
            return aliases_repo.find_aliases(conn, term, since=since)
