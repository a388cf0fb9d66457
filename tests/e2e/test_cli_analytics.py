"""`baton import`, `baton audit` and `baton metrics` as a script would use them."""

from __future__ import annotations

import json

from tests.cli import baton_cli

LOG = """case,when,status,group,who
c1,2026-01-05T09:00:00,New,desk,ann
c1,2026-01-05T10:00:00,Active,apps,bob
c1,2026-01-05T11:00:00,Active,desk,ann
c1,2026-01-05T12:00:00,Resolved,desk,ann
c2,2026-01-05T09:00:00,New,desk,ann
c2,2026-01-05T09:30:00,Closed,desk,ann
"""
MAPPING = ["--case", "case", "--time", "when", "--activity", "status", "--team", "group", "--agent", "who"]


def test_help_lists_the_analytics_commands(tmp_path):
    result = baton_cli("--help", db=tmp_path / "baton.db")
    assert result.returncode == 0
    for command in ("import", "audit", "metrics"):
        assert command in result.stdout


def test_import_then_ask_metrics_of_the_stored_history(tmp_path):
    db, log = tmp_path / "baton.db", tmp_path / "log.csv"
    log.write_text(LOG, encoding="utf-8")
    assert baton_cli("db", "upgrade", db=db).returncode == 0
    imported = baton_cli("import", str(log), "--name", "legacy", *MAPPING, db=db)
    assert imported.returncode == 0, imported.stderr
    assert "imported 6 events as history 'legacy'" in imported.stdout
    again = baton_cli("import", str(log), "--name", "legacy", *MAPPING, db=db)
    assert again.returncode == 1 and "--replace" in again.stderr
    result = baton_cli("metrics", "--source", "legacy", "--json", db=db)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    metrics = {m["name"]: m for m in body["metrics"]}
    assert body["population"]["cases"] == 2
    assert metrics["ping_pong"]["cases"] == ["c1"]
    text = baton_cli("metrics", "--source", "legacy", "--by", "role", db=db)
    assert "ping_pong: 50.0 % (1 / 2)" in text.stdout
    audit = baton_cli("audit", "--history", "legacy", "--json", db=db)
    assert json.loads(audit.stdout)["audit"]["handovers"] == 2


def test_audit_of_a_file_prints_figures_and_writes_the_exports(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(LOG, encoding="utf-8")
    csv, xlsx = tmp_path / "audit.csv", tmp_path / "audit.xlsx"
    result = baton_cli(
        "audit",
        str(log),
        *MAPPING,
        "--csv",
        str(csv),
        "--xlsx",
        str(xlsx),
        "--sort",
        "escalations",
        db=tmp_path / "x.db",
    )
    assert result.returncode == 0, result.stderr
    assert "ping-pong cases: 1 of 2 with a team path" in result.stdout
    assert "escalation_rate: unavailable" in result.stdout
    assert csv.read_text(encoding="utf-8").splitlines()[1].startswith("c1,ann,desk > apps > desk")
    assert xlsx.stat().st_size > 0


def test_bad_input_exits_1_naming_row_and_column(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(LOG.replace("2026-01-05T10:00:00", "2026-01-05T10:00:00+02:00"), encoding="utf-8")
    result = baton_cli("audit", str(log), *MAPPING, db=tmp_path / "x.db")
    assert result.returncode == 1
    assert "error: log.csv: row 2, column when: offset +0200, while row 1 has no UTC offset" in result.stderr
    missing = baton_cli("audit", str(log), "--case", "ticket", db=tmp_path / "x.db")
    assert missing.returncode == 1 and "no column for --case 'ticket'" in missing.stderr
    neither = baton_cli("audit", db=tmp_path / "x.db")
    assert neither.returncode == 1 and "give a FILE to audit" in neither.stderr
