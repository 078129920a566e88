"""Wirewatch storage, in layers (each imports only the ones below it):

- ``store`` / ``facade``: ``Store``, the one object the composition root holds, composed of one part per
  domain; each method is one unit of work (its own transaction) and returns ``feeds`` values.
- repositories: ``outbox`` (both outboxes over one lease), ``*_repo``, ``stories``, ``retention``,
  ``search_index`` / ``search_sql``, ``trend_counts`` / ``trend_sql``: SQL on a connection, domain
  decisions left to ``feeds`` (``feeds.eligibility``, ``feeds.clustering``, ``feeds.volume``).
- infrastructure: ``db`` (engine, dialect, tables, column types, row conversion, instance lock) and
  ``migrations``.
"""
