"""Timestamps from text, to aware UTC, without guessing.

- ISO 8601 by default; any other layout needs an explicit ``time_format``
  (``%d/%m/%Y %H:%M``): a day-first date is never guessed.
- A time without an offset is read in ``tz`` (UTC unless told otherwise); a local
  time that does not exist or occurs twice there (DST) is refused for that row.
- A time before 1900 or in 9999 or later is refused for its row: Python's
  datetimes end at 9999, and no support history is that old.
- Offsets that differ from row to row (or some rows with an offset and some
  without) are an error naming the first row that differs, unless
  ``normalise_offsets`` says to convert each time by its own offset.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from baton.integrations.importers.report import ImportFailed

OFFSET = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)$"
"""A time of day followed by its UTC offset, which is group 1."""
ISO_NAIVE = "%Y-%m-%dT%H:%M:%S%.f"
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
UNTIL = datetime(9999, 1, 1, tzinfo=UTC)
"""Times kept are in [EARLIEST, UNTIL); polars reads year 0 or 10000, Python cannot hold them."""
_c = pl.col


@dataclass(frozen=True)
class TimeRules:
    time_format: str | None = None
    tz: str = "UTC"
    normalise_offsets: bool = False

    def zone(self) -> str:
        try:
            ZoneInfo(self.tz)
            pl.Series([None], dtype=pl.Datetime("us")).dt.replace_time_zone(self.tz)
        except (ZoneInfoNotFoundError, ValueError, OSError, pl.exceptions.PolarsError):
            # OSError: a directory of zones ("America"); Polars knows only the IANA names.
            raise ImportFailed(f"--tz {self.tz!r} is not a time zone (e.g. UTC, Europe/London)") from None
        return self.tz


def _check_offsets(frame: pl.DataFrame, column: str, rules: TimeRules) -> None:
    """Refuse a column whose rows disagree on their UTC offset."""
    if rules.normalise_offsets:
        return
    found = _c("raw").str.extract(OFFSET, 1).str.replace_all(":", "").str.to_uppercase()
    found = pl.when(found == "Z").then(pl.lit("+0000")).otherwise(found)
    found = pl.when(found.str.len_chars() == 3).then(found + "00").otherwise(found)
    found = pl.when(found == "-0000").then(pl.lit("+0000")).otherwise(found)
    offsets = frame.select("row", offset=found.fill_null("none"))
    distinct = offsets.get_column("offset").unique(maintain_order=True)
    if distinct.len() <= 1:
        return
    first, second = distinct[0], distinct[1]
    first_row = offsets.filter(_c("offset") == first).get_column("row")[0]
    other_row = offsets.filter(_c("offset") == second).get_column("row")[0]

    def say(offset: str) -> str:
        return "no UTC offset" if offset == "none" else f"offset {offset}"

    raise ImportFailed(
        f"row {other_row}, column {column}: {say(second)}, while row {first_row} has {say(first)}; "
        f"the file mixes UTC offsets ({', '.join(say(o) for o in distinct.to_list())}). "
        "Pass --normalise-offsets to convert each time to UTC by its own offset"
        + (" (times without an offset are read in --tz)" if "none" in distinct.to_list() else "")
    )


def parse_times(frame: pl.DataFrame, column: str, rules: TimeRules, label: str | None = None) -> pl.Series:
    """``frame[column]`` (text) as aware UTC datetimes; null where a value does not
    parse. Raises :class:`ImportFailed` when no value parses or offsets are mixed;
    messages name the source column ``label``."""
    label = label or column
    zone = rules.zone()
    uniform = False
    raw = frame.select("row", raw=_c(column).cast(pl.String).str.strip_chars())
    text = raw.get_column("raw")
    if rules.time_format is not None:
        aware_format = "%z" in rules.time_format or "%Z" in rules.time_format
        parsed = _with_format(text, rules.time_format)
        if not aware_format:
            parsed = _localise(parsed, zone)
        result = parsed.dt.convert_time_zone("UTC")
        uniform = not aware_format
    else:
        result, uniform = _parse_iso(text, zone)
    present = text.is_not_null()
    if present.any() and not (result.is_not_null() & present).any():
        first_row = raw.filter(_c("raw").is_not_null()).row(0)
        how = f"the format {rules.time_format!r}" if rules.time_format else "an ISO 8601 time"
        raise ImportFailed(
            f"row {first_row[0]}, column {label}: {first_row[1]!r} is not {how}, and neither is any "
            "other row: give the layout with --time-format (e.g. '%d/%m/%Y %H:%M')"
        )
    result = pl.select(pl.when(result.is_between(EARLIEST, UNTIL, closed="left")).then(result)).to_series()
    if not uniform:
        _check_offsets(raw.filter(result.is_not_null()), label, rules)
    return result.alias(column)


def _with_format(text: pl.Series, layout: str) -> pl.Series:
    """``text`` parsed with the user's layout; a layout Polars refuses, or one it
    warns would misread the times (``.%f`` for a fraction), is an error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pl.exceptions.ChronoFormatWarning)
            return text.str.to_datetime(layout, strict=False, time_unit="us")
    except pl.exceptions.ChronoFormatWarning as warning:
        advice = str(warning).split(" See the full specification", 1)[0]
        raise ImportFailed(f"--time-format {layout!r} would misread the times: {advice}") from None
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ImportFailed(f"--time-format {layout!r} is not a layout that can be read: {first}") from None


FAST = (
    ("%Y-%m-%dT%H:%M:%SZ", "utc"),
    ("%Y-%m-%dT%H:%M:%S%.fZ", "utc"),
    ("%Y-%m-%dT%H:%M:%S%.f%z", "aware"),
    ("%Y-%m-%d %H:%M:%S%.f%z", "aware"),
    (ISO_NAIVE, "naive"),
    ("%Y-%m-%d %H:%M:%S%.f", "naive"),
)
"""Layouts tried on the first value; the first that fits parses the whole column at once."""


def _with(text: pl.Series, layout: str, kind: str, zone: str) -> pl.Series:
    parsed = text.str.to_datetime(layout, strict=False, time_unit="us", exact=True)
    if kind == "utc":
        return parsed.dt.replace_time_zone("UTC")
    if kind == "naive":
        return _localise(parsed, zone).dt.convert_time_zone("UTC")
    return parsed.dt.convert_time_zone("UTC")


def _general(text: pl.Series, zone: str) -> pl.Series:
    """Any ISO 8601 layout, value by value: slower, for what the fast layout missed."""
    has_offset = text.str.contains(OFFSET)
    aware = text.str.to_datetime(strict=False, time_unit="us", time_zone="UTC")
    naive = _localise(
        pl.select(
            pl.coalesce(
                text.str.to_datetime(ISO_NAIVE, strict=False, time_unit="us"),
                text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us"),
                text.str.to_datetime("%Y-%m-%dT%H:%M", strict=False, time_unit="us"),
                text.str.to_datetime("%Y-%m-%d %H:%M", strict=False, time_unit="us"),
                text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
            )
        ).to_series(),
        zone,
    ).dt.convert_time_zone("UTC")
    return pl.select(pl.when(has_offset).then(aware).otherwise(naive)).to_series()


def _parse_iso(text: pl.Series, zone: str) -> tuple[pl.Series, bool]:
    """The column parsed; True when every value fits one layout with one kind of
    offset (all ``Z``, or all without), so no offset can differ."""
    sample = text.drop_nulls().head(1)
    result: pl.Series | None = None
    kind = ""
    for layout, kind in FAST:
        if sample.len() and _with(sample, layout, kind, zone).is_not_null().all():
            result = _with(text, layout, kind, zone)
            break
    if result is None:
        return _general(text, zone), False
    missed = (result.is_null() & text.is_not_null()).arg_true()
    if missed.len():
        result = result.scatter(missed, _general(text.gather(missed), zone))
    return result, kind != "aware" and missed.len() == 0


def _localise(parsed: pl.Series, zone: str) -> pl.Series:
    return parsed.dt.replace_time_zone(zone, ambiguous="null", non_existent="null")
