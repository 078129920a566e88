"""Wirewatch storage: SQLAlchemy 2 tables, migrations, one method per unit of work."""
