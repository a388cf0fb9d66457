"""The options that map an event log's columns onto Baton's, shared by ``baton import``,
``baton audit`` and ``baton report calibrate``. They are declared once, as the fields of
``LogMapping``; ``with_log_mapping`` adds them to a command's options and hands them to
the command as one ``mapping`` argument."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Annotated, Any

import typer

Format = Annotated[str | None, typer.Option("--format", help="csv, xes or zendesk; by default from the name.")]
Case = Annotated[str, typer.Option("--case", help="Column of the case (ticket) id.")]
Time = Annotated[str, typer.Option("--time", help="Column of the event time.")]
Activity = Annotated[str, typer.Option("--activity", help="Column of the activity or status.")]
Team = Annotated[str, typer.Option("--team", help="Column of the team / group ('' for none).")]
Agent = Annotated[str, typer.Option("--agent", help="Column of the agent / resource ('' for none).")]
Tier = Annotated[str | None, typer.Option("--tier", help="Column of the support line (1-4, 'L2', '2nd').")]
TierRuleOpt = Annotated[
    list[str] | None,
    typer.Option("--tier-rule", help="'REGEX=TIER,...' over team names; first match wins, unmatched teams tier 1."),
]
Category = Annotated[str | None, typer.Option("--category", help="Column of the category (Zendesk: ticket field).")]
Severity = Annotated[str | None, typer.Option("--severity", help="Column of the severity / priority.")]
CustomerTier = Annotated[str | None, typer.Option("--customer-tier", help="Column of the customer tier.")]
SlaMet = Annotated[str | None, typer.Option("--sla-met", help="A true/false column: the case met its SLA.")]
Resolved = Annotated[str, typer.Option("--resolved", help="Comma-separated activities that mean resolved (any case).")]
TimeFormat = Annotated[
    str | None, typer.Option("--time-format", help="strftime layout, e.g. '%d/%m/%Y %H:%M'; ISO 8601 by default.")
]
Tz = Annotated[str, typer.Option("--tz", help="Zone of times written without an offset.")]
Normalise = Annotated[
    bool, typer.Option("--normalise-offsets", help="Accept mixed UTC offsets, converting each by its own.")
]
Missing = Annotated[str, typer.Option("--missing", help="Comma-separated cell values meaning unknown.")]


@dataclass(frozen=True)
class LogMapping:
    """The column-mapping options as given on the command line, in the order ``--help`` lists them."""

    file_format: Format = None
    case: Case = "case:concept:name"
    time: Time = "time:timestamp"
    activity: Activity = "concept:name"
    team: Team = "org:group"
    agent: Agent = "org:resource"
    tier: Tier = None
    tier_rule: TierRuleOpt = None
    category: Category = None
    severity: Severity = None
    customer_tier: CustomerTier = None
    sla_met: SlaMet = None
    resolved: Resolved = "Resolved,Closed"
    time_format: TimeFormat = None
    tz: Tz = "UTC"
    normalise_offsets: Normalise = False
    missing: Missing = "?"


def _mapping_parameters() -> list[inspect.Parameter]:
    # Evaluated annotations (the Annotated objects, not strings): Typer reads them
    # from ``__signature__`` and ``typing.get_type_hints``.
    hints = typing.get_type_hints(LogMapping, include_extras=True)
    return [
        inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=hints[f.name])
        for f in fields(LogMapping)
    ]


def with_log_mapping(command: Callable[..., None]) -> Callable[..., None]:
    """Add the column-mapping options after ``command``'s own and call it with them
    gathered into its keyword-only ``mapping: LogMapping`` argument."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "mapping"]
    if len(own) == len(signature.parameters):
        raise TypeError(f"{command.__name__} takes no 'mapping' argument")
    added = _mapping_parameters()
    names = [p.name for p in added]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        mapping = LogMapping(**{name: kwargs.pop(name) for name in names})
        command(**kwargs, mapping=mapping)

    parameters = [*own, *added]
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": signature.return_annotation}
    return wrapper
