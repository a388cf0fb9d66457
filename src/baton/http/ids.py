"""Ids as a path carries them, for the web pages as for the API: positive 64-bit
integers (what SQLite and PostgreSQL ``bigint`` hold); anything else is refused before
any database sees it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ID = 2**63 - 1
"""The largest id any store holds: a signed 64-bit integer."""

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
