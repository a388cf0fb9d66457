"""Who may do what: the one authorisation policy.

Every command and query asks it, at its entry, "may this caller do this (to this
ticket)?" It answers from the caller's roles (agent, specialist, lead, admin,
integration), the scope of the credential they came with, their involvement in the
ticket and the playbook's access settings (visibility, restricted categories, who
speaks to the customer). Pure: no I/O, no clock.

A ticket the caller may not see is *not found* for them (its subject alone can say too
much); a ticket they see but may not change this way is *not permitted*.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from baton.core import commands as cmd
from baton.core.errors import NotFound, NotPermitted
from baton.core.playbook import CustomerVoice, Playbook, Visibility
from baton.core.ticket import Ticket


class TokenScope(StrEnum):
    """What a credential may be used for, whatever its holder could do."""

    AGENT = "agent"
    """Everything the agent holding it may do."""
    READ = "read"
    """Queries only: nothing is changed with it."""
    INTEGRATION = "integration"
    """A channel or another system (an e-mail gateway, the widget, an importer): it
    opens tickets and writes messages as the customer, and does nothing as staff."""


class AccessRole(StrEnum):
    """A caller's standing, derived from the playbook."""

    AGENT = "agent"
    """Anyone named under ``agents``."""
    SPECIALIST = "specialist"
    """A member of a role above tier 1."""
    LEAD = "lead"
    """A member of a role with authority."""
    ADMIN = "admin"
    """Named under ``access.admins``; also whoever runs Baton's commands on its server."""
    INTEGRATION = "integration"
    """A system named under ``access.integrations``, with an integration token."""


STAFF = frozenset({AccessRole.AGENT, AccessRole.SPECIALIST, AccessRole.LEAD, AccessRole.ADMIN})
LEADS = frozenset({AccessRole.LEAD, AccessRole.ADMIN})
ADMINS = frozenset({AccessRole.ADMIN})
ANYONE = frozenset(AccessRole)


@dataclass(frozen=True)
class Caller:
    """Who is asking, as the policy sees them."""

    name: str
    roles: frozenset[AccessRole]
    scope: TokenScope = TokenScope.AGENT

    @property
    def is_lead(self) -> bool:
        return bool(self.roles & LEADS)

    @property
    def is_integration(self) -> bool:
        return AccessRole.INTEGRATION in self.roles


def caller_for(playbook: Playbook, name: str, scope: TokenScope = TokenScope.AGENT) -> Caller:
    """The caller ``name`` is in ``playbook``, coming with a credential of ``scope``.
    Someone the playbook no longer names has no standing at all."""
    if scope is TokenScope.INTEGRATION:
        roles = {AccessRole.INTEGRATION} if name in playbook.access.integrations else set()
        return Caller(name, frozenset(roles), scope)
    roles = set()
    if name in playbook.agents:
        roles.add(AccessRole.AGENT)
        held = [playbook.roles[r] for r in playbook.roles_of_agent.get(name, ())]
        if any(r.tier > 1 for r in held):
            roles.add(AccessRole.SPECIALIST)
        if any(r.authority for r in held):
            roles.add(AccessRole.LEAD)
        if name in playbook.access.admins:
            roles.add(AccessRole.ADMIN)
    return Caller(name, frozenset(roles), scope)


def operator(name: str = "operator") -> Caller:
    """Whoever runs Baton's commands on its server: they hold its database, so an admin."""
    return Caller(name, ADMINS)


class Action(StrEnum):
    """Everything a caller can ask of Baton, each with one rule below."""

    # tickets: queries
    LIST_TICKETS = "list_tickets"
    READ_TICKET = "read_ticket"
    """The ticket, its public thread, escalations and suggestions."""
    READ_INTERNAL = "read_internal"
    """Internal notes, the whole trail and the handoff brief."""
    # tickets: commands
    OPEN_TICKET = "open_ticket"
    REPLY = "reply"
    """A public reply; from someone involved who does not speak to the customer, a draft."""
    ADD_MESSAGE = "add_message"
    """A message of any kind: the command says which (a reply, a note, the customer's)."""
    ADD_NOTE = "add_note"
    WRITE_AS_CUSTOMER = "write_as_customer"
    SEND_DRAFT = "send_draft"
    BOUNCE = "bounce"
    """Send an escalation back for what its note lacks: its receiver alone (the escalation rules check it)."""
    WORK_TICKET = "work_ticket"
    """Status, severity, category, resolve, reopen, close, reassign, participants, escalate, bounce."""
    TRANSFER_ACCOUNTABILITY = "transfer_accountability"
    # people and the playbook
    READ_DIRECTORY = "read_directory"
    READ_CUSTOMERS = "read_customers"
    ADD_CUSTOMER = "add_customer"
    CHANGE_CUSTOMER = "change_customer"
    """A customer's tier or SLA plan: it re-targets the clocks of all their open tickets."""
    READ_PLAYBOOK = "read_playbook"
    RUN_BACKTEST = "run_backtest"
    # measurement
    READ_METRICS = "read_metrics"
    READ_REPORTS = "read_reports"
    # knowledge
    READ_KNOWLEDGE = "read_knowledge"
    EDIT_KNOWLEDGE = "edit_knowledge"
    REVIEW_KNOWLEDGE = "review_knowledge"
    # the caller's own
    READ_OWN_NOTIFICATIONS = "read_own_notifications"
    MARK_OWN_NOTIFICATIONS = "mark_own_notifications"
    # configuration and operation (the command line)
    IMPORT_HISTORY = "import_history"
    MANAGE_TOKENS = "manage_tokens"
    VERIFY_AUDIT = "verify_audit"
    OPERATE = "operate"
    """Migrate the database, serve, run the worker or the demo, train models."""
    ANALYSE_FILES = "analyse_files"
    """Audit, report on or evaluate exported files: nothing of Baton's is read or changed."""


READS = frozenset(
    {
        Action.LIST_TICKETS,
        Action.READ_TICKET,
        Action.READ_INTERNAL,
        Action.READ_DIRECTORY,
        Action.READ_CUSTOMERS,
        Action.READ_PLAYBOOK,
        Action.READ_METRICS,
        Action.READ_REPORTS,
        Action.READ_KNOWLEDGE,
        Action.READ_OWN_NOTIFICATIONS,
        Action.VERIFY_AUDIT,
        Action.ANALYSE_FILES,
    }
)
"""What a read-only credential may do."""

CONFIGURATION = frozenset(
    {Action.CHANGE_CUSTOMER, Action.RUN_BACKTEST, Action.IMPORT_HISTORY, Action.MANAGE_TOKENS, Action.OPERATE}
)
"""Configuration-level actions: leads and admins only, each recorded in the audit log."""

WHO: dict[Action, frozenset[AccessRole]] = {
    Action.LIST_TICKETS: STAFF,
    Action.READ_TICKET: ANYONE,
    Action.READ_INTERNAL: STAFF,
    Action.OPEN_TICKET: ANYONE,
    Action.REPLY: STAFF,
    Action.ADD_MESSAGE: ANYONE,
    Action.ADD_NOTE: STAFF,
    Action.WRITE_AS_CUSTOMER: frozenset({AccessRole.INTEGRATION}),
    Action.SEND_DRAFT: STAFF,
    Action.BOUNCE: STAFF,
    Action.WORK_TICKET: STAFF,
    Action.TRANSFER_ACCOUNTABILITY: STAFF,
    Action.READ_DIRECTORY: STAFF,
    Action.READ_CUSTOMERS: STAFF,
    Action.ADD_CUSTOMER: STAFF,
    Action.CHANGE_CUSTOMER: LEADS,
    Action.READ_PLAYBOOK: STAFF,
    Action.RUN_BACKTEST: LEADS,
    Action.READ_METRICS: STAFF,
    Action.READ_REPORTS: STAFF,
    Action.READ_KNOWLEDGE: STAFF,
    Action.EDIT_KNOWLEDGE: STAFF,
    Action.REVIEW_KNOWLEDGE: LEADS,
    Action.READ_OWN_NOTIFICATIONS: STAFF,
    Action.MARK_OWN_NOTIFICATIONS: STAFF,
    Action.IMPORT_HISTORY: LEADS,
    Action.MANAGE_TOKENS: ADMINS,
    Action.VERIFY_AUDIT: LEADS,
    Action.OPERATE: ADMINS,
    Action.ANALYSE_FILES: ANYONE,
}
"""Who may ask for each action at all; a ticket's own rules come on top (:func:`require_on`)."""

_WORDS = {
    AccessRole.AGENT: "agents",
    AccessRole.SPECIALIST: "specialists",
    AccessRole.LEAD: "leads",
    AccessRole.ADMIN: "admins",
    AccessRole.INTEGRATION: "integrations",
}


def _who(roles: Iterable[AccessRole]) -> str:
    return " and ".join(_WORDS[r] for r in AccessRole if r in set(roles))


def require(caller: Caller, action: Action) -> None:
    """Refuse unless ``caller`` may ask for ``action`` at all."""
    if not caller.roles:
        raise NotPermitted(f"{caller.name!r} is not named in the running playbook")
    if caller.scope is TokenScope.READ and action not in READS:
        raise NotPermitted(f"a read-only token cannot {action.value.replace('_', ' ')}")
    allowed = WHO[action]
    if not caller.roles & allowed:
        raise NotPermitted(f"only {_who(allowed)} may {action.value.replace('_', ' ')}; {caller.name!r} is not one")


def permits(caller: Caller, action: Action) -> bool:
    try:
        require(caller, action)
    except NotPermitted:
        return False
    return True


# --- a ticket's own rules ------------------------------------------------------------------


class PartyKind(StrEnum):
    AGENT = "agent"
    ROLE = "role"


def parties(ticket: Ticket) -> frozenset[tuple[PartyKind, str]]:
    """Everyone named on the ticket, and every role it involves: what a store keeps so
    that lists can be filtered by who sees them (:class:`ReadScope`)."""
    own = ticket.ownership
    agents = {own.original_agent, own.accountable_agent, own.responsible_agent}
    roles = {own.responsible_role}
    for p in (*own.consulted, *own.informed):
        agents.add(p.agent or "")
        roles.add(p.role or "")
    for e in ticket.escalations:
        agents.update((e.from_agent, e.to_agent, e.requested_by))
        roles.update((e.from_role, e.to_role))
    named = {(PartyKind.AGENT, a) for a in agents if a} | {(PartyKind.ROLE, r) for r in roles if r}
    return frozenset(named)


def personally_involved(name: str, ticket: Ticket) -> bool:
    """Named on the ticket: its first, accountable or responsible agent, a participant,
    or a party to one of its escalations."""
    return (PartyKind.AGENT, name) in parties(ticket)


def involved_by_role(name: str, ticket: Ticket, playbook: Playbook) -> bool:
    """A member of the responsible role, a participating role, or a role the ticket passed through."""
    return any(kind is PartyKind.ROLE and playbook.is_member(name, role) for kind, role in parties(ticket))


def involved(caller: Caller, ticket: Ticket, playbook: Playbook) -> bool:
    return personally_involved(caller.name, ticket) or involved_by_role(caller.name, ticket, playbook)


def sees(caller: Caller, ticket: Ticket, playbook: Playbook) -> bool:
    """Whether ``ticket`` exists for ``caller``: restricted categories first (their roles
    and the people named on the ticket), then the playbook's visibility (leads and admins
    see every other ticket). An integration sees the public side of any ticket."""
    if caller.is_integration:
        return True
    if not caller.roles:
        return False
    if personally_involved(caller.name, ticket):
        return True
    category = playbook.categories.get(ticket.category)
    if category is not None and category.restricted_to:
        return any(playbook.is_member(caller.name, r) for r in category.restricted_to)
    if caller.is_lead or playbook.access.visibility is Visibility.ALL:
        return True
    return involved_by_role(caller.name, ticket, playbook)


def reads_internal(caller: Caller, ticket: Ticket, playbook: Playbook) -> bool:
    """Internal notes are for the people involved in the ticket and leads."""
    return sees(caller, ticket, playbook) and (caller.is_lead or involved(caller, ticket, playbook))


def works(caller: Caller, ticket: Ticket, playbook: Playbook) -> bool:
    """Changing the ticket: its accountable or responsible agent, a member of the
    responsible role, or a lead."""
    own = ticket.ownership
    return (
        caller.name in (own.accountable_agent, own.responsible_agent)
        or playbook.is_member(caller.name, own.responsible_role)
        or caller.is_lead
    )


def speaks_to_customer(caller: Caller, ticket: Ticket, playbook: Playbook) -> bool:
    """Who writes to the customer directly: the accountable agent and leads, and with
    ``accountable_or_responsible`` the responsible agent too."""
    own = ticket.ownership
    if caller.name == own.accountable_agent or caller.is_lead:
        return True
    voice = playbook.access.customer_voice
    return voice is CustomerVoice.ACCOUNTABLE_OR_RESPONSIBLE and caller.name == own.responsible_agent


def _refuse(caller: Caller, ticket: Ticket, doing: str, who: str) -> NotPermitted:
    return NotPermitted(f"{caller.name!r} cannot {doing} ticket {ticket.id}: {who}")


def require_on(caller: Caller, action: Action, ticket: Ticket, playbook: Playbook) -> None:
    """Refuse unless ``caller`` may do ``action`` to ``ticket``: not found when they may
    not see it, not permitted when they see it but may not do this."""
    require(caller, action)
    if not sees(caller, ticket, playbook):
        raise NotFound(f"ticket {ticket.id} does not exist")
    own = ticket.ownership
    match action:
        case Action.READ_INTERNAL | Action.ADD_NOTE:
            if not reads_internal(caller, ticket, playbook):
                raise _refuse(
                    caller, ticket, "read or write internal notes on", "they are for the people involved and leads"
                )
        case Action.REPLY:
            if not (caller.is_lead or involved(caller, ticket, playbook)):
                raise _refuse(
                    caller, ticket, "reply on", f"only people involved in it may (accountable: {own.accountable_agent})"
                )
        case Action.SEND_DRAFT:
            if not speaks_to_customer(caller, ticket, playbook):
                raise _refuse(
                    caller, ticket, "send a draft on", f"the accountable agent ({own.accountable_agent}) does"
                )
        case Action.WORK_TICKET:
            if not works(caller, ticket, playbook):
                raise _refuse(
                    caller,
                    ticket,
                    "change",
                    f"only the accountable agent ({own.accountable_agent}), the responsible role "
                    f"({own.responsible_role}) or a lead may",
                )
        case Action.TRANSFER_ACCOUNTABILITY:
            if caller.name != own.accountable_agent and not caller.is_lead:
                raise _refuse(
                    caller,
                    ticket,
                    "transfer accountability for",
                    f"only the accountable agent ({own.accountable_agent}) or a lead can",
                )


def action_of(command: cmd.TicketCommand) -> Action:
    """The action a ticket command asks for."""
    match command:
        case cmd.AddMessage(author_kind="customer"):
            return Action.WRITE_AS_CUSTOMER
        case cmd.AddMessage(visibility="internal"):
            return Action.ADD_NOTE
        case cmd.AddMessage() | cmd.DraftReply():
            return Action.REPLY
        case cmd.SendDraft() | cmd.DiscardDraft():
            return Action.SEND_DRAFT
        case cmd.TransferAccountability():
            return Action.TRANSFER_ACCOUNTABILITY
        case cmd.Bounce():
            return Action.BOUNCE
        case cmd.ChangeCustomerTier():
            return Action.CHANGE_CUSTOMER
    return Action.WORK_TICKET


def authorise(caller: Caller, command: cmd.TicketCommand, ticket: Ticket, playbook: Playbook) -> cmd.TicketCommand:
    """The command as the policy lets it through, or a refusal. A public reply from
    someone involved who does not speak to the customer becomes their draft."""
    action = action_of(command)
    require_on(caller, action, ticket, playbook)
    if (
        isinstance(command, cmd.AddMessage)
        and action is Action.REPLY
        and not speaks_to_customer(caller, ticket, playbook)
    ):
        return cmd.DraftReply(command.body)
    return command


# --- reads of many tickets -------------------------------------------------------------------


@dataclass(frozen=True)
class ReadScope:
    """Which tickets a caller sees, for a store to filter lists by. ``everything``:
    no filter. Otherwise a ticket is seen when the caller is named on it
    (``agent``), or — outside ``hidden`` categories — when ``all_roles`` or one of
    ``roles`` is involved in it."""

    everything: bool
    agent: str = ""
    roles: frozenset[str] = frozenset()
    all_roles: bool = False
    """Every ticket outside the hidden categories (visibility ``all``, or a lead)."""
    hidden: frozenset[str] = frozenset()
    """Restricted categories the caller's roles do not cover."""
    granted: frozenset[str] = frozenset()
    """Restricted categories the caller's roles cover: all their tickets are seen."""

    def admits(self, ticket: Ticket, playbook: Playbook) -> bool:
        """The same test as the store's filter, on one ticket (for fakes and checks)."""
        if self.everything or personally_involved(self.agent, ticket) or ticket.category in self.granted:
            return True
        if ticket.category in self.hidden:
            return False
        return self.all_roles or involved_by_role(self.agent, ticket, playbook)


def read_scope(caller: Caller, playbook: Playbook) -> ReadScope:
    """What :func:`sees` admits, as data a store can turn into a filter."""
    if caller.is_integration:
        return ReadScope(everything=True)
    mine = frozenset(playbook.roles_of_agent.get(caller.name, ()))
    restricted = {name: set(c.restricted_to) for name, c in playbook.categories.items() if c.restricted_to}
    hidden = frozenset(name for name, roles in restricted.items() if not mine & roles)
    granted = frozenset(restricted) - hidden
    all_roles = caller.is_lead or playbook.access.visibility is Visibility.ALL
    if all_roles and not hidden:
        return ReadScope(everything=True)
    return ReadScope(False, caller.name, mine, all_roles, hidden, granted)
