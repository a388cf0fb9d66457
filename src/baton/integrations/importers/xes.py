"""XES event logs (IEEE 1849), plain or gzipped, read as a stream.

Each event becomes a row whose columns are its attribute keys; the trace's own
attributes are added with a ``case:`` prefix, as pm4py does (the trace's
``concept:name`` is ``case:concept:name``). The row number of an event is its
place in the file, counting from 1. The rows then go through the same mapping
and checks as a CSV log (:func:`~baton.integrations.importers.eventlog.from_table`).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError, iterparse

import polars as pl

from baton.integrations.importers.eventlog import Mapping, from_table
from baton.integrations.importers.report import Imported, ImportFailed

ATTRIBUTES = {"string", "date", "int", "float", "boolean", "id"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attributes(element: Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for child in element:
        key = child.get("key")
        if _local(child.tag) in ATTRIBUTES and key is not None:
            found[key] = child.get("value", "")
    return found


def read_xes_table(stream: IO[bytes]) -> pl.DataFrame:
    rows: list[dict[str, str]] = []
    trace_start = 0
    try:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "trace":
                    trace_start = len(rows)
                continue
            if tag == "event":
                rows.append(_attributes(element))
                element.clear()
            elif tag == "trace":
                case = {f"case:{k}": v for k, v in _attributes(element).items()}
                for row in rows[trace_start:]:
                    row.update(case)
                element.clear()
    except ParseError as exc:
        raise ImportFailed(f"not a well-formed XES file: {exc}") from None
    if not rows:
        raise ImportFailed("the XES file holds no events")
    columns = sorted({key for row in rows for key in row})
    table = pl.DataFrame(
        {name: [row.get(name) for row in rows] for name in columns},
        schema=dict.fromkeys(columns, pl.String()),
    )
    return table.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))


def read_xes(path: Path, mapping: Mapping) -> Imported:
    if not path.exists():
        raise ImportFailed(f"{path}: no such file")
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            table = read_xes_table(stream)  # type: ignore[arg-type]
    except (OSError, EOFError) as exc:
        raise ImportFailed(f"{path}: cannot read ({exc})") from None
    except ImportFailed as exc:
        raise ImportFailed(f"{path}: {exc}") from None
    missing = {m for m in mapping.missing if m}
    if missing:
        table = table.with_columns(
            [
                pl.when(pl.col(c).is_in(sorted(missing))).then(None).otherwise(pl.col(c)).alias(c)
                for c in table.columns
                if c != "row"
            ]
        )
    return from_table(table, mapping, path.name)
