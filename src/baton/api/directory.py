"""/api/v1 customers, roles, agents and the running playbook."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from baton.api.callers import CurrentCaller
from baton.api.deps import BatonDep
from baton.api.params import AgentName, CustomerId, Offset, RoleName
from baton.api.schemas import AgentPublic, CustomerCreate, CustomerPublic, CustomerUpdate, Page, RolePublic
from baton.app import Baton
from baton.core.errors import NotFound
from baton.core.playbook import Role
from baton.core.policy import Caller
from baton.services.customers import add_customer
from baton.services.unit_of_work import read_only

router = APIRouter()


@router.get("/customers", response_model=Page[CustomerPublic], tags=["customers"])
def list_customers(
    baton: BatonDep,
    _caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> Page[CustomerPublic]:
    with read_only(baton.engine) as uow:
        items = [CustomerPublic.of(c) for c in uow.customers.page(limit, offset)]
    return Page[CustomerPublic](items=items, limit=limit, offset=offset)


@router.post("/customers", status_code=201, response_model=CustomerPublic, tags=["customers"])
def create_customer(body: CustomerCreate, baton: BatonDep, _caller: CurrentCaller) -> JSONResponse:
    customer = add_customer(baton.engine, baton.playbook, body.name, body.tier, baton.clock.now())
    return JSONResponse(
        CustomerPublic.of(customer).model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/api/v1/customers/{customer.id}"},
    )


@router.patch("/customers/{customer_id}", response_model=CustomerPublic, tags=["customers"])
def update_customer(
    customer_id: CustomerId, body: CustomerUpdate, baton: BatonDep, caller: CurrentCaller
) -> CustomerPublic:
    """Change the customer's tier; their open tickets follow and their SLA clocks re-target."""
    baton.tickets.change_customer_tier(caller, customer_id, body.tier, body.reason)
    with read_only(baton.engine) as uow:
        return CustomerPublic.of(uow.customers.get(customer_id))


@router.get("/customers/{customer_id}", response_model=CustomerPublic, tags=["customers"])
def get_customer(customer_id: CustomerId, baton: BatonDep, _caller: CurrentCaller) -> CustomerPublic:
    with read_only(baton.engine) as uow:
        return CustomerPublic.of(uow.customers.get(customer_id))


def _role(baton: Baton, role: Role) -> RolePublic:
    return RolePublic(
        name=role.name,
        title=role.title,
        tier=role.tier,
        tier_name=baton.playbook.tiers[role.tier].name,
        skills=list(role.skills),
        members=list(role.members),
        authority=role.authority,
        direction=role.direction.value,
    )


@router.get("/roles", response_model=list[RolePublic], tags=["directory"])
def list_roles(baton: BatonDep, _caller: CurrentCaller) -> list[RolePublic]:
    return [_role(baton, r) for r in baton.playbook.roles.values()]


@router.get("/roles/{name}", response_model=RolePublic, tags=["directory"])
def get_role(name: RoleName, baton: BatonDep, _caller: CurrentCaller) -> RolePublic:
    role = baton.playbook.roles.get(name)
    if role is None:
        raise NotFound(f"unknown role {name!r}")
    return _role(baton, role)


def _agents(baton: Baton, caller: Caller) -> list[AgentPublic]:
    with read_only(baton.engine) as uow:
        counts = uow.tickets.open_counts()
        load = uow.tickets.open_load()
    return [
        AgentPublic(
            name=a.name,
            display_name=a.display_name,
            email=a.email if caller.is_lead or caller.name == a.name else None,
            roles=list(baton.playbook.roles_of_agent.get(a.name, ())),
            open_tickets=counts.get(a.name, 0),
            load=round(load.get(a.name, 0.0), 2),
            skills=sorted(baton.playbook.skills_of(a.name)),
        )
        for a in baton.playbook.agents.values()
    ]


@router.get("/agents", response_model=list[AgentPublic], tags=["directory"])
def list_agents(baton: BatonDep, caller: CurrentCaller) -> list[AgentPublic]:
    return _agents(baton, caller)


@router.get("/agents/{name}", response_model=AgentPublic, tags=["directory"])
def get_agent(name: AgentName, baton: BatonDep, caller: CurrentCaller) -> AgentPublic:
    for agent in _agents(baton, caller):
        if agent.name == name:
            return agent
    raise NotFound(f"unknown agent {name!r}")


@router.get("/playbook", tags=["playbook"])
def get_playbook(baton: BatonDep, _caller: CurrentCaller) -> dict[str, Any]:
    pb = baton.playbook
    return {
        "name": pb.name,
        "version": pb.version,
        "intake_role": pb.intake_role,
        "tiers": [{"level": t.level, "name": t.name, "boundary": t.boundary} for t in pb.tiers.values()],
        "customer_tiers": [{"name": c.name, "description": c.description} for c in pb.customer_tiers.values()],
        "severities": [{"name": s.name, "definition": s.definition} for s in pb.severities.values()],
        "categories": [
            {"name": c.name, "description": c.description, "routine": c.routine} for c in pb.categories.values()
        ],
        "channels": list(pb.channels),
        "handoff_notes": {
            "fields": [
                {"name": f.name, "label": f.label, "description": f.description} for f in pb.note_fields.values()
            ],
            "required": {k.value: list(v) for k, v in pb.required_note_fields.items()},
        },
    }
