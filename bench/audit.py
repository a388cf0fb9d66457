"""Escalation audit at scale: Baton's Polars audit of the real UCI incident log
and of a synthetic 10,000,000-event history, beside pandas and pm4py doing the
same handover / ping-pong computation on the same file.

Each run is a fresh process; wall time and peak memory (max RSS) come from the
operating system (``os.wait4``). Baton's figure is the whole ``baton audit``
(read, checks, every metric, headline figures); the peers compute only handovers
and ping-pong cases, and must agree with Baton on both.

Sizes: BATON_BENCH_EVENTS (default 10,000,000); BATON_BENCH_PEER_TIMEOUT seconds
(default 900) bounds each peer run.

Data credit: the real log is the "Incident management process enriched event
log", UCI Machine Learning Repository, dataset 498, DOI 10.24432/C57S4H
(C. A. L. Amaral, M. Fantinato, S. M. Peres), CC BY 4.0."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UCI = ROOT.parent / "shared" / "data" / "uci-incident-log" / "incident_event_log.csv.zip"
EVENTS = int(os.environ.get("BATON_BENCH_EVENTS", "10000000"))
PEER_TIMEOUT = float(os.environ.get("BATON_BENCH_PEER_TIMEOUT", "900"))
UCI_COLUMNS = {
    "case": "number",
    "time": "sys_updated_at",
    "activity": "incident_state",
    "team": "assignment_group",
    "agent": "assigned_to",
    "format": "%d/%m/%Y %H:%M",
}
SYNTH_COLUMNS = {
    "case": "case:concept:name",
    "time": "time:timestamp",
    "activity": "concept:name",
    "team": "org:group",
    "agent": "org:resource",
    "format": None,
}


def synthesise(path: Path, events: int, seed: int = 7) -> None:
    """A CSV event log of ``events`` rows, ~10 events a case, vectorised (numpy):
    teams drawn with a bias to stay, so paths have handovers and returns."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    per_case = rng.integers(4, 17, size=events // 10 + 1)
    ends = np.cumsum(per_case)
    cases = int(np.searchsorted(ends, events, side="left")) + 1
    case = np.repeat(np.arange(cases), per_case[:cases])[:events]
    first = np.r_[True, case[1:] != case[:-1]]
    last = np.r_[case[1:] != case[:-1], True]
    start = rng.integers(0, 365 * 24 * 3600, size=cases)[case]
    step = rng.exponential(4 * 3600, size=events).astype(np.int64)
    offset = np.cumsum(step) - np.repeat(np.cumsum(step)[first], per_case[:cases])[:events]
    seconds = start + offset
    move = rng.random(events) < 0.25
    team_draw = rng.integers(0, 60, size=events)
    team = np.where(first | move, team_draw, -1)
    frame = pl.DataFrame({"case": case, "team": team, "seconds": seconds, "last": last})
    frame = frame.with_columns(
        team=pl.when(pl.col("team") >= 0).then(pl.col("team")).forward_fill().over("case"),
    )
    status = np.where(last, "Closed", np.where(rng.random(events) < 0.5, "Active", "Awaiting User Info"))
    frame = frame.select(
        pl.format("C{}", pl.col("case")).alias("case:concept:name"),
        pl.Series("concept:name", status),
        (pl.datetime(2025, 1, 1, time_zone="UTC") + pl.duration(seconds=pl.col("seconds")))
        .dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        .alias("time:timestamp"),
        pl.format("Group {}", pl.col("team")).alias("org:group"),
        pl.format("Agent {}", pl.Series(rng.integers(0, 400, size=events))).alias("org:resource"),
    )
    frame.write_csv(path)


def _read_pandas(path: Path, columns: dict[str, Any]) -> Any:
    import pandas as pd

    usecols = [columns["case"], columns["time"], columns["team"]]
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            source: Any = io.BytesIO(archive.read("incident_event_log.csv"))
    else:
        source = path
    df = pd.read_csv(source, usecols=usecols, na_values=["?"], keep_default_na=True, dtype=str)
    df = df.rename(columns={columns["case"]: "case", columns["time"]: "time", columns["team"]: "team"})
    df["time"] = pd.to_datetime(df["time"], format=columns["format"] or "ISO8601", utc=True)
    df["row"] = range(len(df))
    return df.sort_values(["case", "time", "row"], kind="stable")


def job_pandas(path: Path, columns: dict[str, Any]) -> dict[str, Any]:
    """Team paths with pandas: drop unknown teams, collapse repeats, count steps
    and returns, as METRICS.md defines them."""
    df = _read_pandas(path, columns)
    df = df[df["team"].notna()]
    run_start = (df["team"] != df["team"].shift()) | (df["case"] != df["case"].shift())
    runs = df[run_start]
    per_case = runs.groupby("case", sort=False)["team"].agg(["size", "nunique"])
    return {
        "cases_with_team_path": len(per_case),
        "handovers": int((per_case["size"] - 1).sum()),
        "ping_pong_cases": int((per_case["nunique"] < per_case["size"]).sum()),
    }


def job_pm4py(path: Path, columns: dict[str, Any]) -> dict[str, Any]:
    """pm4py: the team sequence of each case as its variants (activity = team),
    then steps and returns per variant, weighted by its cases."""
    import contextlib

    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py
    df = _read_pandas(path, columns)
    df = df[df["team"].notna()]
    df = pm4py.format_dataframe(df, case_id="case", activity_key="team", timestamp_key="time")
    variants = pm4py.get_variants(df)
    result = {"cases_with_team_path": 0, "handovers": 0, "ping_pong_cases": 0}
    for variant, count in variants.items():
        path_ = [t for i, t in enumerate(variant) if i == 0 or t != variant[i - 1]]
        result["cases_with_team_path"] += count
        result["handovers"] += (len(path_) - 1) * count
        result["ping_pong_cases"] += count if len(set(path_)) < len(path_) else 0
    return result


def job_baton(path: Path, columns: dict[str, Any]) -> dict[str, Any]:
    from baton.analytics.audit import figures
    from baton.analytics.cases import summarise
    from baton.analytics.report import compute
    from baton.integrations.importers import Mapping, read_file
    from baton.integrations.importers.timeparse import TimeRules

    mapping = Mapping(
        case=columns["case"],
        time=columns["time"],
        activity=columns["activity"],
        team=columns["team"],
        agent=columns["agent"],
        times=TimeRules(columns["format"]),
    )
    imported = read_file(path, mapping)
    summary = summarise(imported.log)
    out = figures(imported.log, summary, compute(imported.log, summary=summary))
    return {k: out[k] for k in ("cases", "events", "cases_with_team_path", "handovers", "ping_pong_cases")}


JOBS = {"baton": job_baton, "pandas": job_pandas, "pm4py": job_pm4py}


def _measure(job: str, path: Path, columns: dict[str, Any], timeout: float | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.audit", job, str(path), json.dumps(columns)]
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return {"job": job, "error": f"did not finish in {timeout:.0f} s"}
    wall = time.perf_counter() - began
    if process.returncode != 0:
        return {"job": job, "error": err.decode().strip().splitlines()[-1][:200]}
    result = json.loads(out.decode().strip().splitlines()[-1])
    return {"job": job, "wall": wall, **result}


def _child(job: str, path: str, columns: str) -> None:
    import resource

    result = JOBS[job](Path(path), json.loads(columns))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
    print(json.dumps({**result, "peak_mib": peak}))


def _report(title: str, runs: list[dict[str, Any]]) -> None:
    print(f"\n{title}")
    base = next((r for r in runs if r["job"] == "baton" and "wall" in r), None)
    for run in runs:
        if "error" in run:
            print(f"  {run['job']:<7} {run['error']}")
            continue
        ratio = ""
        if base is not None and run is not base:
            time_ratio, memory_ratio = run["wall"] / base["wall"], run["peak_mib"] / base["peak_mib"]
            ratio = f"  ({time_ratio:.1f}x Baton's time, {memory_ratio:.1f}x its memory)"
        print(
            f"  {run['job']:<7} {run['wall']:7.1f} s  peak {run['peak_mib']:7.0f} MiB  "
            f"handovers {run['handovers']:,}  ping-pong cases {run['ping_pong_cases']:,}{ratio}"
        )
    agreed = {(r["handovers"], r["ping_pong_cases"]) for r in runs if "error" not in r}
    print("  all agree on handovers and ping-pong" if len(agreed) == 1 else f"  DISAGREE: {agreed}")


def main() -> None:
    print(f"Escalation audit, {os.cpu_count()} cores (each run a fresh process)")
    if UCI.exists():
        runs = [_measure(job, UCI, UCI_COLUMNS, PEER_TIMEOUT) for job in JOBS]
        _report(f"Real log: {UCI.name} (UCI dataset 498, DOI 10.24432/C57S4H, CC BY 4.0)", runs)
    else:
        print(f"\n(the UCI log is not at {UCI}: skipped)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synthetic.csv"
        began = time.perf_counter()
        synthesise(path, EVENTS)
        size = path.stat().st_size / 2**20
        print(f"\nsynthetic log: {EVENTS:,} events, {size:,.0f} MiB CSV, made in {time.perf_counter() - began:.1f} s")
        runs = [_measure("baton", path, SYNTH_COLUMNS, None)]
        runs += [_measure(job, path, SYNTH_COLUMNS, PEER_TIMEOUT) for job in ("pandas", "pm4py")]
        _report(f"Synthetic log: {EVENTS:,} events", runs)


if __name__ == "__main__":
    _child(*sys.argv[1:4])
