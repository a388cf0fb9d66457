"""The calling agent's notifications, as the outbox delivered them: handoffs arriving,
bounces, a specialist's note or resolution, SLA warnings and breaches, rule notices,
pushed suggestions and updates on tickets they are informed of."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from baton.api.callers import CurrentCaller
from baton.api.deps import BatonDep
from baton.api.params import NotificationId
from baton.api.schemas import NotificationPage, NotificationPublic
from baton.services.outbox import mark_notification, notifications_for

router = APIRouter(tags=["notifications"])


@router.get("/me/notifications", response_model=NotificationPage)
def my_notifications(
    baton: BatonDep,
    caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=2**62, description="Page on: the next_before of the last page.")
    ] = None,
    unread: bool = False,
) -> NotificationPage:
    """The calling agent's notifications not dismissed, newest first. Those asking for
    action on a ticket that is resolved by now are left out."""
    found = notifications_for(baton.reads, caller.name, limit + 1, before, unread)
    items = [NotificationPublic.of(n) for n in found[:limit]]
    return NotificationPage(items=items, next_before=items[-1].id if len(found) > limit else None)


@router.post("/me/notifications/{notification_id}/{state}", status_code=204)
def mark(
    notification_id: NotificationId,
    state: Literal["read", "dismissed"],
    baton: BatonDep,
    caller: CurrentCaller,
) -> Response:
    """Mark one of the calling agent's notifications read, or dismiss it (gone from the list)."""
    mark_notification(baton.units, caller.name, notification_id, state, baton.clock.now())
    return Response(status_code=204)
