"""The calling agent's notifications: role notifications and pushed suggestions."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from baton.api.deps import BatonDep, CurrentAgent
from baton.services.notifications import notifications_for

router = APIRouter(tags=["notifications"])


@router.get("/me/notifications")
def my_notifications(
    baton: BatonDep,
    agent: CurrentAgent,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    """What Baton sent the calling agent in the last ``days``, newest first: notifications
    to a role they belong to, and similar tickets and articles pushed to them when a
    ticket of theirs had no progress."""
    found = notifications_for(baton.engine, baton.playbook, agent, baton.clock.now(), limit, timedelta(days=days))
    return [dataclasses.asdict(n) for n in found]
