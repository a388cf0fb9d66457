"""Customer accounts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from baton.core.errors import FieldError, InvalidCommand, InvalidTransition
from baton.core.playbook import Playbook
from baton.services.unit_of_work import unit_of_work
from baton.store.repositories.customers import Customer

if TYPE_CHECKING:
    from sqlalchemy import Engine


def add_customer(engine: Engine, playbook: Playbook, name: str, tier: str, now: datetime) -> Customer:
    name = name.strip()
    errors = []
    if not name:
        errors.append(FieldError("name", "must not be empty"))
    if tier not in playbook.customer_tiers:
        known = ", ".join(playbook.customer_tiers)
        errors.append(FieldError("tier", f"unknown customer tier {tier!r}; known: {known}"))
    if errors:
        raise InvalidCommand("cannot add the customer", tuple(errors))
    with unit_of_work(engine) as uow:
        if uow.customers.by_name(name) is not None:
            raise InvalidTransition(f"a customer named {name!r} already exists")
        return uow.customers.add(name, tier, now)
