"""Storage adapter: SQLAlchemy 2 Core tables, repositories and migrations."""

from baton.store import history_tables as history_tables  # registers the tables on metadata
