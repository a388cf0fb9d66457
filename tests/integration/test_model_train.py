"""Training on a desk's own history: a short demo simulated into a SQLite database,
`baton model train` on it, then new ticket texts classified and matched to the
resolved tickets that resemble them."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from baton.assist.classify import ClassifierConfig, Source, suggest
from baton.assist.history import resolved_tickets, training_set
from baton.assist.model_store import load, sidecar
from baton.assist.similar import SimilarIndex
from baton.cli.models import default_model_path
from baton.demo.simulate import simulate
from baton.playbook import load_playbook
from baton.services.classification import Classifier
from baton.services.playbooks import install_playbook
from baton.settings import EXAMPLE_PLAYBOOK
from baton.store.db import make_engine
from tests.cli import baton_cli

MODEL_ONLY = ClassifierConfig(hints={}, severity_hints={})
NEW_TICKETS = [
    ("When I choose 'This month' in the date filter the charts show the previous month", "bug"),
    ("Half our team gets SAML assertion invalid at login since we enabled Okta", "account-access"),
    ("Your API answers 429 Too Many Requests at 40 requests a minute", "api"),
    ("Our card statement shows two charges for the same invoice, please refund one", "billing"),
]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A migrated SQLite database holding a week of demo history."""
    db = tmp_path_factory.mktemp("desk") / "baton.db"
    shutil.copy(sqlite_template, db)
    engine = make_engine(f"sqlite:///{db}")
    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    install_playbook(engine, playbook, EXAMPLE_PLAYBOOK.read_text(), datetime(2026, 11, 1, tzinfo=UTC))
    classifier = Classifier(playbook, db.parent / "no-model" / "classifier.pkl")  # hints and fallbacks only
    simulate(engine, playbook, days=7, seed=7, end=date(2026, 11, 20), classifier=classifier)
    engine.dispose()
    return db


def test_the_training_set_is_the_resolved_tickets_oldest_resolution_first(desk):
    engine = make_engine(f"sqlite:///{desk}")
    records = resolved_tickets(engine)
    examples = training_set(engine)
    engine.dispose()
    assert len(records) == len(examples) == 81
    assert all(r.resolution for r in records)
    assert [r.resolved_at for r in records] == sorted(r.resolved_at for r in records)
    assert len(Counter(e.category for e in examples)) == 9


def test_model_train_writes_the_model_beside_the_database_and_it_classifies_new_texts(desk):
    result = baton_cli("model", "train", db=desk)
    assert result.returncode == 0, result.stderr
    assert "Trained on 81 resolved tickets" in result.stdout
    assert "Categories (9): account-access, api, billing, bug, data-export" in result.stdout
    assert "Hold-out accuracy (time split: trained on the 64 tickets created before" in result.stdout
    path = desk.parent / "models" / "classifier.pkl"
    assert path.exists() and sidecar(path).exists()
    assert f"Saved to {path}" in result.stdout

    model = load(path)
    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    for text, category in NEW_TICKETS:
        suggestion = suggest(text, playbook, model, MODEL_ONLY)
        assert (suggestion.category, suggestion.source) == (category, Source.MODEL), (text, suggestion)
    foreign = suggest("Das Diagramm bleibt leer", playbook, model)
    assert foreign.source is Source.FALLBACK and foreign.route_to == "frontline"


def test_model_train_on_an_empty_desk_says_what_is_missing(tmp_path, sqlite_template):
    db = tmp_path / "baton.db"
    shutil.copy(sqlite_template, db)
    result = baton_cli("model", "train", "--out", str(tmp_path / "m.pkl"), db=db)
    assert result.returncode == 1
    assert "need at least 10 resolved tickets in at least 2 categories to train; found 0 in 0" in result.stderr
    assert not (tmp_path / "m.pkl").exists()


def test_similar_resolved_tickets_come_with_what_resolved_them(desk):
    engine = make_engine(f"sqlite:///{desk}")
    records = resolved_tickets(engine)
    engine.dispose()
    index = SimilarIndex.build([r.resolved_ticket() for r in records])
    by_id = {r.ticket_id: r for r in records}
    for text, category in NEW_TICKETS:
        matches = index.top(text, k=3)
        assert matches[0].category == category
        assert matches[0].resolution == by_id[int(matches[0].ticket_id)].resolution != ""


def test_the_default_model_path_is_beside_a_sqlite_file_else_in_the_working_directory(tmp_path):
    assert default_model_path(f"sqlite:///{tmp_path}/d/baton.db") == tmp_path / "d" / "models" / "classifier.pkl"
    assert default_model_path("postgresql+psycopg://u@h/db", tmp_path) == tmp_path / "models" / "classifier.pkl"
    assert default_model_path("sqlite:///:memory:", tmp_path) == tmp_path / "models" / "classifier.pkl"


def test_agreement_reports_how_often_the_opening_classification_was_the_resolved_category(desk):
    result = baton_cli("model", "agreement", "--since", "1000d", db=desk)
    assert result.returncode == 0, result.stderr
    assert "tickets classified at opening" in result.stdout
    assert "named by the sender" in result.stdout and "hints" in result.stdout
    bad = baton_cli("model", "agreement", "--since", "3x", db=desk)
    assert bad.returncode == 1
    assert "--since must be a number of days or weeks such as 90d or 12w, not '3x'" in bad.stderr
