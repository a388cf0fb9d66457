"""The configuration audit log: changes that are no ticket's event (a customer's tier
or SLA plan, a backtest run, an import, a token created or revoked, a sign-in), each an
entry in one hash chain over the whole log, checked like a ticket's trail
(:mod:`baton.core.trail`). An entry's position is its id: 1, 2, 3, ...

Pure: standard library only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from baton.core.trail import ChainCheck, Head, check_chain, digest, utc_text

__all__ = ["AuditEntry", "ConfigAction", "check_log", "entry_digest"]


class ConfigAction(StrEnum):
    """What an audit log entry records. ``subject`` names what it was done to, as
    ``kind:key`` (``customer:12``, ``token:5``, ``history:legacy``, ``playbook:2026.11-1``)."""

    CUSTOMER_TIER_CHANGED = "customer_tier_changed"
    SLA_PLAN_CHANGED = "sla_plan_changed"
    BACKTEST_RUN = "backtest_run"
    HISTORY_IMPORTED = "history_imported"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    SESSION_STARTED = "session_started"
    SESSION_ENDED = "session_ended"
    PLAYBOOK_INSTALLED = "playbook_installed"
    AGENT_CHANGED = "agent_changed"
    WEBHOOK_CHANGED = "webhook_changed"


@dataclass(frozen=True)
class AuditEntry:
    position: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str | None = None
    hash: str | None = None


def entry_digest(entry: AuditEntry, position: int | None = None) -> str:
    """The entry's hash over its content and the hash of the entry before it."""
    fields = {
        "position": entry.position if position is None else position,
        "at": utc_text(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "details": dict(entry.details),
    }
    return digest("audit_entry", fields, entry.prev_hash)


def check_log(entries: Sequence[AuditEntry], head: Head | None) -> ChainCheck:
    """The log checked against its hashes and the head the latest anchor saw."""
    return ChainCheck(len(entries), tuple(check_chain(entries, entry_digest, head)))
