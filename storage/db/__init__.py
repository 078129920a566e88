"""Storage infrastructure: engine and transactions, dialect helpers, tables and column types, row
conversion, the instance lock. The repositories build on these; nothing here knows a unit of work."""
