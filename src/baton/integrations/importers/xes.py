"""XES event logs (IEEE 1849), plain or gzipped, read as a stream.

Each event becomes a row whose columns are its attribute keys; the trace's own
attributes are added with a ``case:`` prefix, as pm4py does (the trace's
``concept:name`` is ``case:concept:name``). The row number of an event is its
place in the file, counting from 1. The rows then go through the same mapping
and checks as a CSV log (:func:`~baton.integrations.importers.eventlog.from_table`).

The file is parsed with ``defusedxml``: a DTD (and with it entity expansion, the
"billion laughs", and external entities) is refused whatever the machine's expat
does, since XES needs none. Every failure on bad input (not XML, a truncated or
corrupt gzip, an encoding the XML reader cannot decode, no events) is an
:class:`ImportFailed` naming the file and, where the parser knows it, the line.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

import polars as pl
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse

from baton.integrations.importers.eventlog import RESERVED, Mapping, from_table
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


def _refused(exc: DefusedXmlException) -> str:
    if isinstance(exc, DTDForbidden):
        what = "a DTD (<!DOCTYPE ...>)"
    elif isinstance(exc, EntitiesForbidden):
        what = "an entity declaration"
    elif isinstance(exc, ExternalReferenceForbidden):
        what = "a reference to an external resource"
    else:
        what = "a construct the XML reader refuses"
    return f"refused: the file declares {what}, which an XES log does not need (entities are never expanded)"


def read_xes_table(stream: IO[bytes]) -> pl.DataFrame:
    """The events of an XES stream, one row each. Raises :class:`ImportFailed`
    (without the file name) on bad input; errors of the stream itself (gzip) pass."""
    rows: list[dict[str, str]] = []
    trace_start = 0
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
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
    except DefusedXmlException as exc:
        raise ImportFailed(_refused(exc)) from None
    except LookupError as exc:  # expat asked Python for a codec it does not know
        raise ImportFailed(f"the XML declaration names an unknown encoding ({exc}); save the file as UTF-8") from None
    except ValueError as exc:  # a codec expat cannot use, such as a multi-byte one
        raise ImportFailed(
            f"the XML declaration names an encoding the reader cannot decode ({exc}); save the file as UTF-8"
        ) from None
    if not rows:
        raise ImportFailed("the XES file holds no events")
    columns = sorted({key for row in rows for key in row})
    clash = sorted(RESERVED & set(columns))
    if clash:
        raise ImportFailed(
            f"an attribute is named {clash[0]!r}, a name the importer keeps for the event's place in the file; "
            "rename the attribute"
        )
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
    except gzip.BadGzipFile as exc:
        raise ImportFailed(f"{path}: not a readable gzip file ({exc}); a plain XES file is named .xes") from None
    except (EOFError, zlib.error) as exc:
        raise ImportFailed(f"{path}: a truncated or corrupt gzip file ({exc or 'it ends early'})") from None
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read ({exc.strerror or exc})") from None
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
