"""What an import kept, skipped and noticed, row by row and column by column."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from baton.analytics.frame import EventLog

EXAMPLES = 5
"""Rows named per reason; the counts are always complete."""

SKIPPED_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "case": pl.String(),
    "column": pl.String(),
    "value": pl.String(),
    "reason": pl.String(),
}


class ImportFailed(ValueError):
    """The file cannot be read as asked: a missing column, a time format that fits
    no row, mixed UTC offsets, a file that is not UTF-8, not XML, not JSON of the
    expected shape, a corrupt gzip or zip. The message names the file and, where
    there is one, the row (or record) and the column (or field).

    It is the only exception the importers raise for bad input: anything else
    escaping ``read_file`` is a bug (``tests/unit/analytics/test_importers_fuzz.py``)."""


NUL = "\x00"


def first_nul(frame: pl.DataFrame, columns: list[str]) -> tuple[str, dict[str, Any]] | None:
    """The first of ``columns`` (text columns of ``frame``) holding a NUL character,
    with the first row holding one; None when none does. PostgreSQL refuses NUL in
    text, so an import that kept one could not be stored."""
    present = [c for c in columns if c in frame.columns and frame.schema[c] == pl.String]
    if not present:
        return None
    flags = frame.select([pl.col(c).str.contains(NUL, literal=True).any().alias(c) for c in present]).row(0)
    for column, found in zip(present, flags, strict=True):
        if found:
            return column, frame.filter(pl.col(column).str.contains(NUL, literal=True)).row(0, named=True)
    return None


@dataclass(frozen=True)
class SkipReason:
    reason: str
    column: str
    rows: int
    examples: tuple[tuple[int, str | None, str | None], ...]
    """(row, case, value) of the first rows skipped for this reason."""

    def describe(self) -> str:
        shown = "; ".join(
            f"row {row}" + (f" (case {case})" if case else "") + (f": {value!r}" if value is not None else "")
            for row, case, value in self.examples
        )
        more = "" if self.rows <= len(self.examples) else f"; and {self.rows - len(self.examples)} more"
        return f"{self.rows} row(s) skipped, column {self.column}: {self.reason} — {shown}{more}"


@dataclass(frozen=True)
class ImportReport:
    source: str
    rows_read: int
    rows_kept: int
    skipped: tuple[SkipReason, ...] = ()
    notices: tuple[str, ...] = ()
    cases_excluded: int = 0
    """Cases that lost a row to bad input: the metrics leave them out."""

    @property
    def rows_skipped(self) -> int:
        return self.rows_read - self.rows_kept

    def lines(self) -> list[str]:
        out = [f"{self.source}: {self.rows_read} rows read, {self.rows_kept} kept, {self.rows_skipped} skipped"]
        out += [f"  {s.describe()}" for s in self.skipped]
        if self.cases_excluded:
            out.append(f"  {self.cases_excluded} case(s) lost rows to bad input and are left out of the metrics")
        out += [f"  note: {n}" for n in self.notices]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_skipped": self.rows_skipped,
            "skipped": [
                {
                    "reason": s.reason,
                    "column": s.column,
                    "rows": s.rows,
                    "examples": [{"row": r, "case": c, "value": v} for r, c, v in s.examples],
                }
                for s in self.skipped
            ],
            "cases_excluded": self.cases_excluded,
            "notices": list(self.notices),
        }


@dataclass
class Skips:
    """Skipped rows as they are found, kept as frames (columnar, any size)."""

    frames: list[pl.DataFrame] = field(default_factory=list)

    def add(self, rows: pl.DataFrame, column: str, reason: str, value: str | None = None) -> None:
        """``rows`` has ``row``, ``case`` and, unless ``value`` names another, the
        offending ``column`` itself."""
        if rows.is_empty():
            return
        source = value or column
        shown = pl.col(source).cast(pl.String) if source in rows.columns else pl.lit(None, pl.String)
        self.frames.append(
            rows.select(
                pl.col("row").cast(pl.Int64),
                pl.col("case").cast(pl.String) if "case" in rows.columns else pl.lit(None, pl.String),
                column=pl.lit(column),
                value=shown,
                reason=pl.lit(reason),
            )
        )

    def frame(self) -> pl.DataFrame:
        if not self.frames:
            return pl.DataFrame(schema=SKIPPED_SCHEMA)
        return pl.concat(self.frames).sort("row")

    def reasons(self) -> tuple[SkipReason, ...]:
        frame = self.frame()
        out: list[SkipReason] = []
        for (reason, column), group in frame.group_by(["reason", "column"], maintain_order=True):
            first = group.sort("row").head(EXAMPLES)
            examples = tuple((int(r), c, v) for r, c, v in first.select("row", "case", "value").rows())
            out.append(SkipReason(str(reason), str(column), group.height, examples))
        return tuple(sorted(out, key=lambda s: s.examples[0][0]))


@dataclass(frozen=True)
class Imported:
    log: EventLog
    report: ImportReport
