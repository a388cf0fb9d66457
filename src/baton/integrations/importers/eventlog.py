"""Event logs as process-mining tools publish them: one row per event with a case
id, an activity or status, a timestamp, a resource (agent), a group (team) and
perhaps a support line. Columns are mapped by name; the defaults are the XES
names (``case:concept:name``, ``concept:name``, ``time:timestamp``,
``org:resource``, ``org:group``) that pm4py and most tools write.

Bad input never turns into a silently wrong metric: a mapped column that is
absent, or a time layout that fits no row, stops the import with the row and
column; a row without a case id, with an unparsable time or with a tier outside
1-4 is skipped and counted with its reason, and its case is left out of the
metrics; an exact duplicate row is skipped (its case keeps the original);
out-of-order rows are put in time order and counted.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from baton.analytics.frame import Capability, EventLog, Kind, SlaState, conform
from baton.integrations.importers.report import Imported, ImportFailed, ImportReport, Skips, first_nul
from baton.integrations.importers.tiers import TIERS, TierRule, tier_from_text
from baton.integrations.importers.timeparse import EARLIEST, UNTIL, TimeRules, parse_times

_c = pl.col
TRUE = ("true", "yes", "y", "1", "t")
FALSE = ("false", "no", "n", "0", "f")


@dataclass(frozen=True)
class Mapping:
    case: str = "case:concept:name"
    time: str = "time:timestamp"
    activity: str = "concept:name"
    team: str | None = "org:group"
    agent: str | None = "org:resource"
    tier: str | None = None
    tier_rule: TierRule | None = None
    category: str | None = None
    severity: str | None = None
    customer_tier: str | None = None
    sla_met: str | None = None
    """A true/false column: whether the case met its SLA (e.g. ``made_sla``)."""
    resolved: tuple[str, ...] = ("resolved", "closed")
    """Activities (any case) that mean the case is resolved; another after them is a reopen."""
    times: TimeRules = field(default_factory=TimeRules)
    missing: tuple[str, ...] = ("", "?")
    """Cell values that mean "unknown"."""

    def columns(self) -> dict[str, str]:
        """Frame column -> source column, for every mapped column."""
        pairs = {
            "case": self.case,
            "ts": self.time,
            "activity": self.activity,
            "team": self.team,
            "agent": self.agent,
            "tier": self.tier,
            "category": self.category,
            "severity": self.severity,
            "customer_tier": self.customer_tier,
            "sla_met": self.sla_met,
        }
        return {k: v for k, v in pairs.items() if v is not None}


OPTION = {
    "case": "--case",
    "ts": "--time",
    "activity": "--activity",
    "team": "--team",
    "agent": "--agent",
    "tier": "--tier",
    "category": "--category",
    "severity": "--severity",
    "customer_tier": "--customer-tier",
    "sla_met": "--sla-met",
}


RESERVED = frozenset({"row"})
"""Column names the importer uses itself (``row``: the row's place in the file)."""
BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)
"""What reading a corrupt, truncated, encrypted or oddly compressed zip raises."""


def _unzip(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                m
                for m in archive.namelist()
                if not m.startswith("__MACOSX/") and not m.endswith("/") and not Path(m).name.startswith("._")
            ]
            if len(members) != 1:
                raise ImportFailed(f"{path}: the zip must hold one CSV file, not {members or 'none'}")
            return archive.read(members[0])
    except ZIP_ERRORS as exc:
        raise ImportFailed(f"{path}: not a readable zip file ({exc or type(exc).__name__})") from None
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read ({exc.strerror or exc})") from None


def _not_utf8(path: Path, data: bytes | None) -> str:
    """Where the first byte that is not UTF-8 is, as a message."""
    if data is None:
        try:
            data = path.read_bytes()
        except OSError:
            return "not UTF-8 text"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return f"not UTF-8 text: line {line} (byte {exc.start + 1}) holds {data[exc.start : exc.end]!r}"
    return "not UTF-8 text"


def _check_header(table: pl.DataFrame, path: Path) -> None:
    for place, name in enumerate(table.columns, start=1):
        if "\x00" in name or "\ufffd" in name:
            raise ImportFailed(
                f"{path}: header, column {place} ({name!r}): not UTF-8 text (a NUL byte or an undecodable byte); "
                "save the file as UTF-8"
            )
        base, marker, number = name.rpartition("_duplicated_")
        if marker and number.isdigit() and base in table.columns:
            raise ImportFailed(f"{path}: header: more than one column is named {base!r}; rename them apart")
        if name in RESERVED:
            raise ImportFailed(
                f"{path}: header, column {place}: {name!r} is a name the importer keeps for the row's place "
                "in the file; rename the column"
            )


def read_csv_table(path: Path, missing: tuple[str, ...]) -> pl.DataFrame:
    """Every column as text, a ``row`` number (1 = the first data row), from a CSV
    file or a zip holding one CSV (``__MACOSX`` entries ignored). The file must be
    UTF-8 (a byte-order mark is allowed); anything else, a corrupt zip, ragged rows
    or a header naming a column twice is an :class:`ImportFailed`."""
    data: bytes | None = _unzip(path) if path.suffix.lower() == ".zip" else None
    try:
        if data is None:
            with path.open("rb") as stream:
                head = stream.read(4)
        else:
            head = data[:4]
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read ({exc.strerror or exc})") from None
    for bom, encoding in BOMS.items():
        if head.startswith(bom):
            raise ImportFailed(f"{path}: the file is {encoding} text; save it as UTF-8")
    try:
        source = io.BytesIO(data) if data is not None else path
        table = pl.read_csv(source, infer_schema=False, null_values=list(missing))
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "utf-8" in first.lower():
            raise ImportFailed(f"{path}: {_not_utf8(path, data)}; save the file as UTF-8") from None
        raise ImportFailed(f"{path}: not a readable CSV file ({first})") from None
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read ({exc.strerror or exc})") from None
    _check_header(table, path)
    return table.with_row_index("row", offset=1).with_columns(_c("row").cast(pl.Int64))


def _check_columns(table: pl.DataFrame, mapping: Mapping, source: str) -> None:
    wanted = mapping.columns()
    absent = [f"{OPTION[k]} {v!r}" for k, v in wanted.items() if v not in table.columns]
    if absent:
        have = ", ".join(repr(c) for c in table.columns if c != "row")
        raise ImportFailed(
            f"{source}: no column for {'; '.join(absent)}. The file has: {have}. "
            "Map the columns with --case, --time, --activity, --team, --agent, --tier."
        )


def _refuse_nul(named: pl.DataFrame, mapping: Mapping, source: str) -> None:
    """A NUL character in a kept column would reach the database, which cannot store it."""
    sources = mapping.columns()
    found = first_nul(named, list(sources))
    if found is not None:
        column, row = found
        raise ImportFailed(
            f"{source}: row {row['row']}, column {sources[column]}: holds a NUL character; "
            "the file is perhaps not UTF-8 text (UTF-16?) or not text at all"
        )


def _drop(table: pl.DataFrame, bad: pl.Expr, skips: Skips, column: str, reason: str, value: str) -> pl.DataFrame:
    skips.add(table.filter(bad), column, reason, value)
    return table.filter(~bad)


def from_table(table: pl.DataFrame, mapping: Mapping, source: str) -> Imported:
    """The normalised log of a text table with a ``row`` column (see module doc)."""
    _check_columns(table, mapping, source)
    read = table.height
    skips = Skips()
    notices: list[str] = []
    everything = pl.struct(pl.all().exclude("row"))
    dup = table.select(~everything.is_first_distinct()).to_series().alias("dup")
    cols = mapping.columns()
    named = table.select("row", *[_c(src).alias(dst) for dst, src in cols.items()]).with_columns(dup)
    _refuse_nul(named, mapping, source)
    if named.get_column("dup").any():
        keyed = table.select("row", key=everything.hash()).with_columns(dup)
        origin = keyed.filter(~_c("dup")).group_by("key").agg(first_row=_c("row").min())
        shown = keyed.filter(_c("dup")).join(origin, on="key", how="left").select("row", "first_row")
        named = named.join(shown, on="row", how="left").with_columns(
            value=pl.format("duplicate of row {}", _c("first_row"))
        )
    else:
        named = named.with_columns(value=pl.lit(None, pl.String))
    named = _drop(named, _c("dup"), skips, "(all)", "exact duplicate of an earlier row", "value")
    named = _drop(named, _c("case").is_null(), skips, mapping.case, "no case id", "case")
    try:
        named = named.with_columns(ts_raw=_c("ts"), ts=parse_times(named, "ts", mapping.times, mapping.time))
    except ImportFailed as exc:
        raise ImportFailed(f"{source}: {exc}") from None
    named = _drop(named, _c("ts").is_null(), skips, mapping.time, _time_reason(mapping), "ts_raw").drop("ts_raw")
    if mapping.tier is not None:
        named = named.with_columns(tier_raw=_c("tier"), tier=tier_from_text("tier"))
        bad_tier = _c("tier_raw").is_not_null() & (_c("tier").is_null() | ~_c("tier").is_in(TIERS))
        named = _drop(named, bad_tier, skips, mapping.tier, "not a support line 1-4", "tier_raw").drop("tier_raw")
    elif mapping.tier_rule is not None and "team" in named.columns:
        named = named.with_columns(tier=mapping.tier_rule.expr("team"))
    late = named.filter(_c("ts") < _c("ts").shift(1).over("case", order_by="row"))
    if late.height:
        first = late.sort("row").row(0, named=True)
        notices.append(
            f"{late.height} row(s) come earlier in time than the row before them in the same case "
            f"(first: row {first['row']}, case {first['case']}, column {mapping.time}); "
            "events are taken in time order, ties in file order"
        )
    named = named.drop("dup", "value", *(c for c in ("first_row",) if c in named.columns))
    has_team = "team" in named.columns
    frame = _kinds(named.sort(["case", "ts", "row"]), mapping, notices)
    del named
    skipped = skips.frame()
    lost = skipped.filter(_c("reason") != "exact duplicate of an earlier row", _c("case").is_not_null())
    excluded = (
        lost.group_by("case")
        .agg(reason=_c("reason").first())
        .with_columns(reason=pl.format("rows skipped on import ({})", _c("reason")))
        .select("case", "reason")
    )
    log = EventLog(
        frame=conform(frame),
        source=source,
        capabilities=_capabilities(mapping, has_team),
        excluded=excluded,
        notes=tuple(notices),
    )
    report = ImportReport(source, read, frame.height, skips.reasons(), tuple(notices), excluded.height)
    return Imported(log, report)


def _time_reason(mapping: Mapping) -> str:
    years = f"{EARLIEST.year}-{UNTIL.year - 1}"
    if mapping.times.time_format:
        return (
            f"no time, or not a time in the layout {mapping.times.time_format!r} (in {mapping.times.tz}, years {years})"
        )
    return f"no time, or not an ISO 8601 time (or not a valid local time in {mapping.times.tz}, or not in {years})"


def _kinds(frame: pl.DataFrame, mapping: Mapping, notices: list[str]) -> pl.DataFrame:
    """Resolution and reopen from the activity; the SLA outcome from its column."""
    resolved_names = [r.lower() for r in mapping.resolved]
    activity = _c("activity").str.to_lowercase()
    state = pl.when(_c("activity").is_null()).then(None).otherwise(activity.is_in(resolved_names))
    frame = frame.with_columns(state=state).with_columns(before=_c("state").forward_fill().shift(1).over("case"))
    kind = (
        pl.when(_c("state") == True)  # noqa: E712 - a nullable boolean
        .then(pl.lit(Kind.RESOLVED.value))
        .when((_c("state") == False) & (_c("before") == True))  # noqa: E712
        .then(pl.lit(Kind.REOPENED.value))
    )
    frame = frame.with_columns(kind=kind)
    if frame.height and frame.filter(_c("kind") == Kind.RESOLVED.value).is_empty():
        notices.append(
            f"no activity is one of {', '.join(mapping.resolved)} (column {mapping.activity}): "
            "no case counts as resolved; name the resolution activities with --resolved"
        )
    if mapping.sla_met is not None:
        text = _c("sla_met").str.to_lowercase().str.strip_chars()
        frame = frame.with_columns(
            sla_state=pl.when(text.is_in(TRUE))
            .then(pl.lit(SlaState.STOPPED.value))
            .when(text.is_in(FALSE))
            .then(pl.lit(SlaState.BREACHED.value)),
            sla_target=pl.lit(mapping.sla_met),
            sla_cycle=pl.lit(1, pl.Int32),
        )
        odd = frame.filter(_c("sla_met").is_not_null() & _c("sla_state").is_null())
        if odd.height:
            notices.append(
                f"{odd.height} value(s) of {mapping.sla_met} are neither true nor false "
                f"(first: row {odd.row(0, named=True)['row']}): ignored"
            )
    return frame


def _capabilities(mapping: Mapping, has_team: bool) -> frozenset[Capability]:
    caps = {
        Capability.TEAMS: has_team,
        Capability.AGENTS: mapping.agent is not None,
        Capability.TIERS: mapping.tier is not None or (mapping.tier_rule is not None and has_team),
        Capability.CATEGORIES: mapping.category is not None,
        Capability.SEVERITY: mapping.severity is not None,
        Capability.CUSTOMER_TIERS: mapping.customer_tier is not None,
        Capability.SLA: mapping.sla_met is not None,
    }
    return frozenset(c for c, present in caps.items() if present)


def read_csv(path: Path, mapping: Mapping) -> Imported:
    if not path.exists():
        raise ImportFailed(f"{path}: no such file")
    return from_table(read_csv_table(path, mapping.missing), mapping, path.name)
