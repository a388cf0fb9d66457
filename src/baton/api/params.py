"""Path parameters of the API routes, declared once: ids are positive 64-bit integers
(the range both SQLite and PostgreSQL ``bigint`` hold), names are one line of printable
text (:data:`baton.api.text.Name`). A value out of range answers 422 before any database
sees it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from baton.api.text import Name
from baton.http.ids import MAX_ID

__all__ = [
    "MAX_ID",
    "AgentName",
    "ArticleId",
    "CustomerId",
    "DraftNumber",
    "EscalationNumber",
    "NotificationId",
    "Offset",
    "RoleName",
    "TicketId",
]


TicketId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1], description="The ticket's id.")]
CustomerId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1], description="The customer account's id.")]
ArticleId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1], description="The knowledge article's id.")]
NotificationId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1], description="The notification's id.")]
EscalationNumber = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1], description="The escalation's number.")]
RoleName = Annotated[Name, Path(min_length=1, examples=["frontline"], description="The role's name in the playbook.")]
AgentName = Annotated[Name, Path(min_length=1, examples=["amara"], description="The agent's name.")]
DraftNumber = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1], description="The draft's number on its ticket.")]

Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="How many items to skip.")]
"""A list's paging offset: bounded like an id, so no store overflows on it."""
