"""Importers: event logs (CSV, XES), Zendesk exports and Baton's own history, each
to the normalised frame of :mod:`baton.analytics.frame` plus a report of what was
skipped and why."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from baton.integrations.importers.eventlog import Mapping, read_csv
from baton.integrations.importers.report import Imported, ImportFailed, ImportReport
from baton.integrations.importers.xes import read_xes
from baton.integrations.importers.zendesk import ZendeskOptions, read_zendesk

__all__ = ["FileFormat", "ImportFailed", "ImportReport", "Imported", "Mapping", "ZendeskOptions", "read_file"]


class FileFormat(StrEnum):
    CSV = "csv"
    XES = "xes"
    ZENDESK = "zendesk"


def guess_format(path: Path) -> FileFormat:
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz")):
        return FileFormat.XES
    if name.endswith(".json"):
        return FileFormat.ZENDESK
    if name.endswith((".csv", ".csv.zip", ".zip", ".tsv")):
        return FileFormat.CSV
    raise ImportFailed(f"{path}: cannot tell the format from the name; pass --format csv, xes or zendesk")


def read_file(
    path: Path,
    mapping: Mapping,
    zendesk: ZendeskOptions | None = None,
    file_format: FileFormat | None = None,
) -> Imported:
    chosen = file_format or guess_format(path)
    if chosen is FileFormat.XES:
        return read_xes(path, mapping)
    if chosen is FileFormat.ZENDESK:
        return read_zendesk(path, zendesk)
    return read_csv(path, mapping)
