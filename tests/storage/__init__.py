"""The store on SQLite and PostgreSQL: repositories, claims, migrations."""
