"""Storage adapter: SQLAlchemy 2 Core tables, repositories and migrations."""

from baton.store import history_tables as history_tables  # registers the tables on metadata
from baton.store import knowledge_tables as knowledge_tables  # registers the tables on metadata
from baton.store import outbox_tables as outbox_tables  # registers the tables on metadata
