"""The model file: saved beside its sidecar, refused with a clear message when it is
missing, damaged or from another scikit-learn version; classification then falls back."""

from __future__ import annotations

import json

import pytest

from baton.assist import model_store
from baton.assist.classify import Source, suggest
from baton.assist.model_store import (
    ModelCorrupt,
    ModelMissing,
    ModelVersionMismatch,
    load,
    load_or_explain,
    save,
    sidecar,
)

TEXT = "When I pick 'This month' in the date filter, the charts show last month's numbers"


@pytest.fixture
def saved(tmp_path, model):
    path = tmp_path / "models" / "classifier.pkl"
    save(model, path)
    return path


def _edit_sidecar(path, **changes):
    side = sidecar(path)
    data = json.loads(side.read_text())
    side.write_text(json.dumps(data | changes))


def _falls_back_naming(path, playbook, words):
    model, problem = load_or_explain(path)
    assert model is None and problem is not None
    for word in words:
        assert word in problem
    suggestion = suggest(TEXT, playbook, model, model_problem=problem)
    assert suggestion.source is Source.FALLBACK
    assert suggestion.route_to == "frontline"
    assert problem in suggestion.reason


def test_a_saved_model_loads_and_classifies_as_before(saved, model, playbook):
    info = json.loads(sidecar(saved).read_text())
    assert info["sklearn_version"] == model_store.sklearn_version()
    assert info["training_size"] == 90
    assert info["classes"] == list(model.info.classes)
    assert info["trained_at"] == "2026-11-20T18:00:00+00:00"
    assert len(info["sha256"]) == 64
    loaded = load(saved)
    assert loaded.info.sha256 == info["sha256"]
    assert suggest(TEXT, playbook, loaded) == suggest(TEXT, playbook, model)


def test_a_missing_model_is_refused_and_says_how_to_make_one(tmp_path, playbook):
    with pytest.raises(ModelMissing, match=r"no model at .*classifier\.pkl: train one with `baton model train`"):
        load(tmp_path / "classifier.pkl")
    _falls_back_naming(tmp_path / "classifier.pkl", playbook, ["no model at", "baton model train"])


def test_a_model_from_another_sklearn_version_is_refused_before_it_is_unpickled(saved, playbook):
    _edit_sidecar(saved, sklearn_version="0.24.2")
    with pytest.raises(ModelVersionMismatch) as caught:
        load(saved)
    assert f"trained with scikit-learn 0.24.2, this is {model_store.sklearn_version()}" in caught.value.message
    _falls_back_naming(saved, playbook, ["0.24.2", "retrain with `baton model train`"])


def test_estimators_pickled_by_another_sklearn_are_refused_even_if_the_sidecar_claims_otherwise(
    tmp_path, model, playbook, monkeypatch
):
    import sklearn.base

    monkeypatch.setattr(sklearn.base, "__version__", "1.0.0")  # what the estimators record when pickled
    path = tmp_path / "classifier.pkl"
    save(model, path)
    monkeypatch.undo()
    with pytest.raises(ModelVersionMismatch, match=r"holds estimators from scikit-learn 1\.0\.0"):
        load(path)
    _falls_back_naming(path, playbook, ["1.0.0"])


def test_a_damaged_model_file_is_refused(saved, playbook):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelCorrupt, match="does not match the checksum"):
        load(saved)
    _falls_back_naming(saved, playbook, ["checksum", "retrain"])


def test_garbage_with_a_matching_checksum_is_refused_without_a_traceback(saved, playbook):
    import hashlib

    saved.write_bytes(b"not a pickle at all")
    _edit_sidecar(saved, sha256=hashlib.sha256(b"not a pickle at all").hexdigest())
    with pytest.raises(ModelCorrupt, match=r"cannot be loaded \(UnpicklingError\)"):
        load(saved)
    _falls_back_naming(saved, playbook, ["cannot be loaded"])


def test_a_pickle_of_something_else_is_refused(saved):
    import hashlib
    import pickle

    data = pickle.dumps({"not": "a model"})
    saved.write_bytes(data)
    _edit_sidecar(saved, sha256=hashlib.sha256(data).hexdigest())
    with pytest.raises(ModelCorrupt, match="holds a dict, not a Baton ticket model"):
        load(saved)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("delete", "is missing, so .* cannot be checked"),
        ("not json", "is not readable JSON"),
        ("other format", "does not describe a Baton ticket model"),
        ("field missing", "lacks a field or has a wrong one"),
    ],
)
def test_a_missing_or_damaged_sidecar_is_refused(saved, playbook, damage, message):
    side = sidecar(saved)
    if damage == "delete":
        side.unlink()
    elif damage == "not json":
        side.write_text("{ nope")
    elif damage == "other format":
        _edit_sidecar(saved, format="something-else")
    else:
        data = json.loads(side.read_text())
        del data["classes"]
        side.write_text(json.dumps(data))
    with pytest.raises(ModelCorrupt, match=message):
        load(saved)
    _falls_back_naming(saved, playbook, ["retrain with `baton model train`"])


def test_a_newer_model_format_is_refused_as_a_version_mismatch(saved):
    _edit_sidecar(saved, format_version=2)
    with pytest.raises(ModelVersionMismatch, match="model format 2, this Baton reads 1"):
        load(saved)
