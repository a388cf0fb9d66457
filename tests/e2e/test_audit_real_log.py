"""`baton audit --json` on the real UCI incident log, read in place as published.

Data: "Incident management process enriched event log", UCI Machine Learning
Repository, dataset 498, DOI 10.24432/C57S4H (C. A. L. Amaral, M. Fantinato,
S. M. Peres), licensed CC BY 4.0. The figures pinned here are stated in
docs/analytics.md.

Two kinds of test. The `test_characterisation_*` tests pin what `baton audit`
printed on this log when the figures were written into the docs: they catch a
change in the computation, they do not show it right. The `test_*_recount_*` tests
check the same figures against the data itself, recounted here with the standard
library's `csv` (not Polars, which the audit uses) straight from
the shared METRICS.md definitions, incident by incident where the export
allows."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import subprocess
import sys
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from tests.real_data import UCI_LOG as LOG
from tests.real_data import UCI_MAPPING as MAPPING

MISSING = ("", "?")  # what the log writes for an unknown value (its README: "?")
RESOLVED = ("resolved", "closed")  # the activities that mean resolved (the importer's default)


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    if not LOG.exists():
        message = f"the UCI incident log is not at {LOG} (../shared/data from the project root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("audit") / "audit.csv"
    result = subprocess.run(
        [sys.executable, "-m", "baton.cli.main", "audit", str(LOG), *MAPPING, "--json", "--csv", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), out


def test_the_audit_counts_every_incident_and_row_the_dataset_publishes(audit):
    """24,918 incidents and 141,712 rows are the dataset's published sizes; the notice
    on INC0000137 is characterisation."""
    figures = audit[0]["audit"]
    assert (figures["cases"], figures["events"]) == (24_918, 141_712)
    report = audit[0]["import"]
    assert (report["rows_read"], report["rows_kept"], report["rows_skipped"]) == (141_712, 141_712, 0)
    # One case has a row recorded out of time order (INC0000137): reported, then put in time order.
    assert report["notices"][0].startswith("1 row(s) come earlier in time")
    assert "row 359, case INC0000137" in report["notices"][0]


def test_characterisation_handovers_and_ping_pong_on_the_real_log(audit):
    """Characterisation: the figures `baton audit` printed (docs/analytics.md);
    `test_team_paths_agree_with_an_independent_recount_of_the_log` checks them."""
    figures = audit[0]["audit"]
    assert figures["cases_with_team_path"] == 24_545  # 373 incidents never name a group
    assert (figures["ping_pong_cases"], figures["direct_ping_pong_cases"]) == (2_628, 2_216)
    assert figures["handovers"] == 19_087
    assert figures["mean_handovers_per_case"] == pytest.approx(0.7776, abs=1e-4)


def test_support_lines_are_unavailable_on_a_log_that_records_none(audit):
    figures = audit[0]["audit"]
    for line in (2, 3):
        assert figures[f"share_reaching_line_{line}"].startswith("unavailable: ")
    metrics = {m["name"]: m for m in audit[0]["metrics"]["metrics"]}
    assert metrics["escalation_rate"]["available"] is False
    assert metrics["time_to_first_reply"]["available"] is False


def test_characterisation_rates_on_the_real_log(audit):
    """Characterisation: the rates `baton audit` printed (docs/analytics.md); the
    reopen and SLA figures are also recounted from the log below, FCR is not."""
    metrics = {m["name"]: m for m in audit[0]["metrics"]["metrics"]}
    assert metrics["reopen_rate"]["value"]["numerator"] == 276
    fcr = metrics["first_contact_resolution"]
    assert (fcr["value"]["numerator"], fcr["value"]["denominator"]) == (14_192, 24_253)
    assert fcr["excluded"] == [{"reason": "no agent recorded up to the resolution", "cases": 665}]
    assert metrics["sla_attainment"]["value"]["rows"] == [["made_sla", 15_803, 24_918, 15_803 / 24_918, 0]]


def test_our_figures_against_the_source_systems_own_counters(audit):
    """The log's reassignment_count and reopen_count are the ServiceNow counters: the
    audit sees fewer group changes (snapshots miss some) and one reopen more (the
    out-of-order row of INC0000137 follows its resolution in time)."""
    with zipfile.ZipFile(LOG) as archive:
        data = archive.read("incident_event_log.csv")
    columns = ["number", "reassignment_count", "reopen_count"]
    source = pl.read_csv(io.BytesIO(data), null_values="?", infer_schema=False, columns=columns)
    per_case = source.group_by("number").agg(
        pl.col("reassignment_count").cast(pl.Int64).max(), pl.col("reopen_count").cast(pl.Int64).max()
    )
    assert per_case.get_column("reassignment_count").sum() == 23_414 > audit[0]["audit"]["handovers"]
    assert per_case.filter(pl.col("reopen_count") > 0).height == 275


def test_the_per_ticket_export_lists_every_incident_longest_first(audit):
    """The 2,628 is characterisation; the recount below checks which incidents they are."""
    table = pl.read_csv(audit[1])
    assert table.height == 24_918
    hours = table.get_column("total_hours")
    assert hours.is_sorted(descending=True, nulls_last=True)
    assert table.filter(pl.col("ping_pong")).height == 2_628


@dataclass
class Recount:
    """METRICS.md's figures recounted from the log with plain Python, per incident."""

    events: int = 0
    team_paths: dict[str, list[str]] = field(default_factory=dict)
    """Incident -> team path (unknown teams dropped, repeats collapsed), for every incident."""
    reopened: set[str] = field(default_factory=set)
    sla_ran: set[str] = field(default_factory=set)
    """Incidents whose last row in time says made_sla true or false."""
    sla_met: set[str] = field(default_factory=set)
    """Incidents whose last row in time says made_sla true."""

    @property
    def with_team_path(self) -> dict[str, list[str]]:
        return {case: path for case, path in self.team_paths.items() if path}

    @property
    def ping_pong(self) -> set[str]:
        """Returns to a team it left: some team appears twice in the collapsed path."""
        return {case for case, path in self.team_paths.items() if len(set(path)) < len(path)}

    @property
    def direct_ping_pong(self) -> set[str]:
        return {
            case for case, path in self.team_paths.items() if any(a == c for a, c in zip(path, path[2:], strict=False))
        }


def _team_path(teams: list[str]) -> list[str]:
    path: list[str] = []
    for team in teams:
        if team not in MISSING and (not path or path[-1] != team):
            path.append(team)
    return path


def _reopened(activities: list[str]) -> bool:
    """A known activity other than a resolution, right after a resolution."""
    known = [a.lower() in RESOLVED for a in activities if a not in MISSING]
    return any(before and not now for before, now in itertools.pairwise(known))


@pytest.fixture(scope="module")
def recount(audit) -> Recount:  # `audit` first: it skips or fails when the log is absent
    with zipfile.ZipFile(LOG) as archive, archive.open("incident_event_log.csv") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))
    by_case: dict[str, list[tuple[datetime, int, dict[str, str]]]] = defaultdict(list)
    for position, row in enumerate(rows):
        at = datetime.strptime(row["sys_updated_at"], "%d/%m/%Y %H:%M").replace(tzinfo=UTC)  # no zone: UTC
        by_case[row["number"]].append((at, position, row))
    found = Recount(events=len(rows))
    for case, timed in by_case.items():
        ordered = [row for _, _, row in sorted(timed, key=lambda t: (t[0], t[1]))]  # ties in file order
        found.team_paths[case] = _team_path([r["assignment_group"] for r in ordered])
        if _reopened([r["incident_state"] for r in ordered]):
            found.reopened.add(case)
        made_sla = ordered[-1]["made_sla"].strip().lower()
        if made_sla in ("true", "false"):
            found.sla_ran.add(case)
        if made_sla == "true":
            found.sla_met.add(case)
    return found


def test_team_paths_agree_with_an_independent_recount_of_the_log(audit, recount):
    figures = audit[0]["audit"]
    paths = recount.with_team_path
    handovers = sum(len(path) - 1 for path in paths.values())

    assert (figures["cases"], figures["events"]) == (len(recount.team_paths), recount.events)
    assert figures["cases_with_team_path"] == len(paths)
    assert figures["ping_pong_cases"] == len(recount.ping_pong)
    assert figures["direct_ping_pong_cases"] == len(recount.direct_ping_pong)
    assert figures["handovers"] == handovers
    assert figures["mean_handovers_per_case"] == pytest.approx(handovers / len(paths))


def test_the_export_names_the_ping_pong_incidents_and_team_paths_of_the_recount(audit, recount):
    table = pl.read_csv(audit[1], infer_schema=False).fill_null("")
    exported = {row["ticket"]: row for row in table.iter_rows(named=True)}

    assert set(exported) == set(recount.team_paths)
    assert {case for case, row in exported.items() if row["ping_pong"] == "true"} == recount.ping_pong
    wrong_paths = [
        case for case, path in recount.team_paths.items() if exported[case]["escalation_path"] != " > ".join(path)
    ]
    assert wrong_paths == []


def test_reopens_and_sla_attainment_agree_with_an_independent_recount_of_the_log(audit, recount):
    metrics = {m["name"]: m for m in audit[0]["metrics"]["metrics"]}
    table = pl.read_csv(audit[1], infer_schema=False)

    assert metrics["reopen_rate"]["value"]["numerator"] == len(recount.reopened)
    assert set(table.filter(pl.col("reopens").cast(pl.Int64) > 0).get_column("ticket")) == recount.reopened
    met, ran = metrics["sla_attainment"]["value"]["rows"][0][1:3]
    assert (met, ran) == (len(recount.sla_met), len(recount.sla_ran))
