"""Storage adapter: SQLAlchemy 2 Core tables, repositories and migrations."""
