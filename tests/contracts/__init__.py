"""The contract suite: the same tests over the real store (SQLite, PostgreSQL) and the in-memory fake."""
