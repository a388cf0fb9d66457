"""Customer accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from baton.core.errors import NotFound
from baton.store import tables as t


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    tier: str
    created_at: datetime


class CustomerRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, customer_id: int) -> Customer:
        row = self.conn.execute(select(t.customers).where(t.customers.c.id == customer_id)).first()
        if row is None:
            raise NotFound(f"customer {customer_id} does not exist")
        return Customer(row.id, row.name, row.tier, row.created_at)

    def by_name(self, name: str) -> Customer | None:
        row = self.conn.execute(select(t.customers).where(t.customers.c.name == name)).first()
        return None if row is None else Customer(row.id, row.name, row.tier, row.created_at)

    def set_tier(self, customer_id: int, tier: str) -> None:
        self.get(customer_id)
        self.conn.execute(update(t.customers).where(t.customers.c.id == customer_id).values(tier=tier))

    def add(self, name: str, tier: str, at: datetime) -> Customer:
        result = self.conn.execute(
            insert(t.customers).values(name=name, tier=tier, created_at=at).returning(t.customers.c.id)
        )
        return Customer(result.scalar_one(), name, tier, at)

    def page(self, limit: int, offset: int) -> list[Customer]:
        rows = self.conn.execute(select(t.customers).order_by(t.customers.c.id).limit(limit).offset(offset))
        return [Customer(r.id, r.name, r.tier, r.created_at) for r in rows]
