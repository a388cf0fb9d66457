"""Escalation analytics over a normalised event log, in Polars.

- :mod:`~baton.analytics.frame`: the event-log frame every importer produces.
- :mod:`~baton.analytics.cases`: events to cases, runs (stages) and escalation acts.
- :mod:`~baton.analytics.metrics`: the METRICS.md definitions as pure functions.
- :mod:`~baton.analytics.report`: all metrics for a period, sliced by a dimension or
  by day / week / month (the entry point for the API, the CLI and reports).
- :mod:`~baton.analytics.audit`: one row per ticket, headline figures, CSV / XLSX.
"""

from baton.analytics.cases import Summary, summarise
from baton.analytics.frame import Capability, EventLog, Kind, SlaState
from baton.analytics.metrics import DEFINITIONS, METRICS
from baton.analytics.report import Dimension, Granularity, Report, Slice, compute
from baton.analytics.results import Count, Exclusion, Metric, Period, Population, Rate, Stats, Table

__all__ = [
    "DEFINITIONS",
    "METRICS",
    "Capability",
    "Count",
    "Dimension",
    "EventLog",
    "Exclusion",
    "Granularity",
    "Kind",
    "Metric",
    "Period",
    "Population",
    "Rate",
    "Report",
    "SlaState",
    "Slice",
    "Stats",
    "Summary",
    "Table",
    "compute",
    "summarise",
]
