"""The calling agent's notifications, as the outbox delivered them: handoffs arriving,
bounces, a specialist's note or resolution, SLA warnings and breaches, rule notices,
pushed suggestions and updates on tickets they are informed of."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from baton.api.deps import BatonDep, CurrentAgent
from baton.api.schemas import NotificationPage, NotificationPublic
from baton.services.outbox import mark_notification, notifications_for

router = APIRouter(tags=["notifications"])


@router.get("/me/notifications", response_model=NotificationPage)
def my_notifications(
    baton: BatonDep,
    agent: CurrentAgent,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=2**62, description="Page on: the next_before of the last page.")
    ] = None,
    unread: bool = False,
) -> NotificationPage:
    """The calling agent's notifications not dismissed, newest first. Those asking for
    action on a ticket that is resolved by now are left out."""
    found = notifications_for(baton.reads, agent, limit + 1, before, unread)
    items = [NotificationPublic.of(n) for n in found[:limit]]
    return NotificationPage(items=items, next_before=items[-1].id if len(found) > limit else None)


@router.post("/me/notifications/{notification_id}/{state}", status_code=204)
def mark(
    notification_id: Annotated[int, Path(ge=1, le=2**62)],
    state: Literal["read", "dismissed"],
    baton: BatonDep,
    agent: CurrentAgent,
) -> Response:
    """Mark one of the calling agent's notifications read, or dismiss it (gone from the list)."""
    mark_notification(baton.units, agent, notification_id, state, baton.clock.now())
    return Response(status_code=204)
