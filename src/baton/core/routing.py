"""Routing: which member of a role takes a ticket, and why.

The on-call member first, if the role has a rotation; then members who are at work
(their working-hours calendar), under their cap, with the skills the category needs,
least loaded by open tickets weighted by severity. If nobody qualifies, the least
loaded member still takes it: no ticket is left unrouted. Every decision carries its
reason and what was weighed, so it can be recorded on the ticket."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from baton.core.calendar import is_open
from baton.core.errors import InvalidCommand
from baton.core.playbook import Playbook, Role

SEVERITY_WEIGHT: Mapping[str, float] = {"critical": 4.0, "high": 2.0, "medium": 1.0, "low": 0.5}
"""How much one open ticket of each severity weighs in an agent's load."""


@dataclass(frozen=True)
class Routing:
    agent: str
    reason: str
    load: Mapping[str, float] = field(default_factory=dict)


def route(
    role: Role, playbook: Playbook, load: Mapping[str, float], now: datetime, category: str | None = None
) -> Routing:
    """The member of ``role`` who should take a ticket of ``category`` at ``now``."""
    weighed = {m: round(load.get(m, 0.0), 2) for m in role.members}

    def at_work(agent: str) -> bool:
        calendar = playbook.agents[agent].calendar if agent in playbook.agents else None
        return calendar is None or is_open(now, playbook.calendars[calendar])

    def under_cap(agent: str) -> bool:
        cap = playbook.agents[agent].max_open if agent in playbook.agents else None
        return cap is None or weighed[agent] < cap

    if role.on_call is not None:
        on_call = role.on_call.agent_at(now)
        if under_cap(on_call):
            return Routing(on_call, f"{on_call} is on call for {role.name}", weighed)
    known = playbook.categories.get(category) if category is not None else None
    needed = frozenset(known.skills) if known is not None else frozenset()
    ready = [m for m in role.members if at_work(m) and under_cap(m)]
    if ready:

        def rank(agent: str) -> tuple[int, float, str]:
            return (-len(needed & playbook.skills_of(agent)), weighed[agent], agent)

        agent = min(ready, key=rank)
        matched = sorted(needed & playbook.skills_of(agent))
        skills = f"has {', '.join(matched)}; " if matched else ""
        return Routing(agent, f"{skills}at work, least loaded of {role.name} ({weighed[agent]:g})", weighed)
    agent = min(role.members, key=lambda m: (weighed[m], m))
    return Routing(agent, f"nobody in {role.name} is at work under their cap: least loaded member", weighed)


def assign(
    role: Role,
    playbook: Playbook,
    load: Mapping[str, float],
    now: datetime,
    category: str | None = None,
    named: str | None = None,
) -> Routing:
    """``named`` if given (it must be a member), else whoever :func:`route` picks."""
    if named is None:
        return route(role, playbook, load, now, category)
    if named not in role.members:
        raise InvalidCommand(f"agent {named!r} is not a member of role {role.name!r}")
    return Routing(named, f"{named} was named", {m: round(load.get(m, 0.0), 2) for m in role.members})
