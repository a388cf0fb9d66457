"""Imported histories in the database: saved by ``baton import``, read back for
``baton metrics --source NAME`` and ``GET /api/v1/metrics?source=NAME``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, delete, insert, select

from baton.analytics.frame import SCHEMA, Capability, EventLog, conform, ordered
from baton.core.audit import ConfigAction
from baton.core.errors import FieldError, InvalidCommand, NotFound
from baton.integrations.importers.report import Imported
from baton.store.history_tables import imported_events, imported_histories
from baton.store.repositories.audit_log import AuditLogRepository

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
RESERVED = {"baton"}
"""``baton`` names Baton's own history."""
CHUNK = 5_000
RENAMED = {"case": "case_id", "row": "source_row"}


@dataclass(frozen=True)
class StoredHistory:
    name: str
    source: str
    imported_at: datetime
    events: int
    cases: int
    report: dict[str, Any]


def check_name(name: str) -> None:
    if name in RESERVED or not NAME.match(name):
        raise InvalidCommand(
            f"{name!r} cannot name an imported history",
            (
                FieldError(
                    "name",
                    "1-100 letters, digits, '.', '_' or '-', starting with a letter or digit; not 'baton'",
                ),
            ),
        )


def save_history(
    engine: Engine, name: str, imported: Imported, now: datetime, replace: bool = False, actor: str = "operator"
) -> int:
    """Store ``imported`` as ``name`` in one transaction, with its entry in the
    configuration audit log (by ``actor``); returns the events stored. Refuses an
    existing name unless ``replace``."""
    check_name(name)
    log = imported.log
    frame = ordered(log.frame).rename(RENAMED)
    with engine.begin() as conn:
        exists = conn.execute(select(imported_histories.c.name).where(imported_histories.c.name == name)).first()
        if exists and not replace:
            raise InvalidCommand(
                f"a history named {name!r} exists: pass --replace to overwrite it",
                (FieldError("name", "already used"),),
            )
        if exists:
            conn.execute(delete(imported_events).where(imported_events.c.history == name))
            conn.execute(delete(imported_histories).where(imported_histories.c.name == name))
        conn.execute(
            insert(imported_histories).values(
                name=name,
                source=log.source,
                imported_at=now,
                events=frame.height,
                cases=frame.get_column("case_id").n_unique(),
                capabilities=sorted(c.value for c in log.capabilities),
                routine_categories=sorted(log.routine_categories) if log.routine_categories is not None else None,
                excluded=[list(r) for r in log.excluded.rows()],
                report=imported.report.to_dict(),
            )
        )
        numbered = frame.with_columns(history=pl.lit(name), seq=pl.int_range(1, pl.len() + 1))
        for start in range(0, numbered.height, CHUNK):
            conn.execute(insert(imported_events), numbered.slice(start, CHUNK).to_dicts())
        details = {"source": log.source, "events": frame.height, "replaced": bool(exists)}
        AuditLogRepository(conn).record(now, actor, ConfigAction.HISTORY_IMPORTED, f"history:{name}", details)
    return frame.height


def load_history(engine: Engine, name: str) -> EventLog:
    with engine.connect() as conn:
        head = conn.execute(select(imported_histories).where(imported_histories.c.name == name)).mappings().first()
        if head is None:
            raise NotFound(f"no imported history named {name!r}")
        columns = [imported_events.c[RENAMED.get(c, c)] for c in SCHEMA]
        rows = conn.execute(
            select(*columns).where(imported_events.c.history == name).order_by(imported_events.c.seq)
        ).all()
    frame = pl.DataFrame([tuple(r) for r in rows], schema=SCHEMA, orient="row")
    excluded = pl.DataFrame(
        [tuple(r) for r in head["excluded"]], schema={"case": pl.String(), "reason": pl.String()}, orient="row"
    )
    routine = head["routine_categories"]
    return EventLog(
        frame=conform(frame),
        source=name,
        capabilities=frozenset(Capability(c) for c in head["capabilities"]),
        routine_categories=frozenset(routine) if routine is not None else None,
        excluded=excluded,
        notes=tuple(head["report"].get("notices", [])),
    )


def list_histories(engine: Engine) -> list[StoredHistory]:
    h = imported_histories
    with engine.connect() as conn:
        rows = conn.execute(select(h.c.name, h.c.source, h.c.imported_at, h.c.events, h.c.cases, h.c.report)).all()
    return [StoredHistory(*r) for r in sorted(rows, key=lambda r: r[0])]
