"""Rows to domain objects and back: ``x(row)`` reads one, ``x_values(obj)`` gives the
column values to write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from baton.core import events as ev
from baton.core.ownership import Ownership, Participant
from baton.core.sla import SlaClock
from baton.core.ticket import Draft, Escalation, EscalationStatus, Status, Ticket


def participants(raw: Sequence[Mapping[str, Any]]) -> tuple[Participant, ...]:
    return tuple(Participant(role=p.get("role"), agent=p.get("agent")) for p in raw)


def participant_values(people: Sequence[Participant]) -> list[dict[str, str | None]]:
    return [{"role": p.role, "agent": p.agent} for p in people]


def clock(raw: Mapping[str, Any]) -> SlaClock:
    since = raw.get("since")
    return SlaClock(
        target=raw["target"],
        policy=raw["policy"],
        calendar=raw["calendar"],
        target_seconds=int(raw["target_seconds"]),
        thresholds=tuple(raw["thresholds"]),
        cycle=int(raw["cycle"]),
        spent=float(raw["spent"]),
        since=datetime.fromisoformat(since) if since else None,
        reached=tuple(raw["reached"]),
        stopped=bool(raw["stopped"]),
    )


def clock_values(clock: SlaClock) -> dict[str, Any]:
    return {
        "target": clock.target,
        "policy": clock.policy,
        "calendar": clock.calendar,
        "target_seconds": clock.target_seconds,
        "thresholds": list(clock.thresholds),
        "cycle": clock.cycle,
        "spent": clock.spent,
        "since": clock.since.isoformat() if clock.since else None,
        "reached": list(clock.reached),
        "stopped": clock.stopped,
    }


def escalation(row: Row[Any]) -> Escalation:
    return Escalation(
        number=row.number,
        kind=row.kind,
        direction=row.direction,
        from_role=row.from_role,
        from_agent=row.from_agent,
        from_tier=row.from_tier,
        to_role=row.to_role,
        to_agent=row.to_agent,
        to_tier=row.to_tier,
        reason=row.reason,
        note=dict(row.note),
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        status=EscalationStatus(row.status),
        bounced_by=row.bounced_by,
        bounced_at=row.bounced_at,
        missing=tuple(row.missing),
        bounce_comment=row.bounce_comment,
    )


def escalation_values(e: Escalation) -> dict[str, Any]:
    return {
        "number": e.number,
        "kind": e.kind,
        "direction": e.direction,
        "from_role": e.from_role,
        "from_agent": e.from_agent,
        "from_tier": e.from_tier,
        "to_role": e.to_role,
        "to_agent": e.to_agent,
        "to_tier": e.to_tier,
        "reason": e.reason,
        "note": dict(e.note),
        "requested_by": e.requested_by,
        "requested_at": e.requested_at,
        "status": e.status.value,
        "bounced_by": e.bounced_by,
        "bounced_at": e.bounced_at,
        "missing": list(e.missing),
        "bounce_comment": e.bounce_comment,
    }


def ticket(row: Row[Any], escalations: tuple[Escalation, ...]) -> Ticket:
    return Ticket(
        id=row.id,
        version=row.version,
        subject=row.subject,
        body=row.body,
        customer_id=row.customer_id,
        customer_tier=row.customer_tier,
        severity=row.severity,
        category=row.category,
        channel=row.channel,
        status=Status(row.status),
        escalation_level=row.escalation_level,
        ownership=Ownership(
            original_agent=row.original_agent,
            accountable_agent=row.accountable_agent,
            responsible_role=row.responsible_role,
            responsible_agent=row.responsible_agent,
            consulted=participants(row.consulted),
            informed=participants(row.informed),
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        page_context=dict(row.page_context),
        escalations=escalations,
        message_count=row.message_count,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        reopen_count=row.reopen_count,
        resolution=row.resolution,
        clocks=tuple(clock(c) for c in row.sla_clocks),
        sentiments=tuple(float(v) for v in row.sentiments),
        last_customer_message=row.last_customer_message,
        last_progress_at=row.last_progress_at,
        fired=tuple(row.rules_fired),
        drafts=tuple(draft(d) for d in row.drafts),
        draft_count=row.draft_count,
        playbook_version=row.playbook_version,
    )


def draft(values: Mapping[str, Any]) -> Draft:
    return Draft(
        int(values["number"]),
        str(values["author"]),
        str(values["body"]),
        str(values["for_agent"]),
        datetime.fromisoformat(str(values["written_at"])),
    )


def draft_values(d: Draft) -> dict[str, Any]:
    return {
        "number": d.number,
        "author": d.author,
        "body": d.body,
        "for_agent": d.for_agent,
        "written_at": d.written_at.isoformat(),
    }


def ticket_values(ticket: Ticket) -> dict[str, Any]:
    """The ticket's current state, every column but ``id``."""
    own = ticket.ownership
    return {
        "version": ticket.version,
        "subject": ticket.subject,
        "body": ticket.body,
        "customer_id": ticket.customer_id,
        "customer_tier": ticket.customer_tier,
        "severity": ticket.severity,
        "category": ticket.category,
        "channel": ticket.channel,
        "status": ticket.status.value,
        "escalation_level": ticket.escalation_level,
        "page_context": dict(ticket.page_context),
        "original_agent": own.original_agent,
        "accountable_agent": own.accountable_agent,
        "responsible_role": own.responsible_role,
        "responsible_agent": own.responsible_agent,
        "ownership_state": own.state.value,
        "consulted": participant_values(own.consulted),
        "informed": participant_values(own.informed),
        "message_count": ticket.message_count,
        "reopen_count": ticket.reopen_count,
        "resolution": ticket.resolution,
        "sla_clocks": [clock_values(c) for c in ticket.clocks],
        "sentiments": list(ticket.sentiments),
        "last_customer_message": ticket.last_customer_message,
        "last_progress_at": ticket.last_progress_at,
        "rules_fired": list(ticket.fired),
        "drafts": [draft_values(d) for d in ticket.drafts],
        "draft_count": ticket.draft_count,
        "playbook_version": ticket.playbook_version,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
    }


def recorded_event(row: Row[Any]) -> ev.RecordedEvent:
    """A row of ``ticket_events`` (or a query selecting all its columns)."""
    return ev.RecordedEvent(
        ticket_id=row.ticket_id,
        seq=row.seq,
        event=ev.from_payload(row.type, row.payload),
        actor=row.actor,
        at=row.occurred_at,
        playbook_version=row.playbook_version,
    )


def recorded_event_values(record: ev.RecordedEvent) -> dict[str, Any]:
    return {
        "ticket_id": record.ticket_id,
        "seq": record.seq,
        "type": record.event.type,
        "payload": ev.to_payload(record.event),
        "actor": record.actor,
        "occurred_at": record.at,
        "playbook_version": record.playbook_version,
    }
