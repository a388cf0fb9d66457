"""The trained ticket model on disk: a pickle beside a JSON sidecar.

The sidecar (``<file>.json``) records the scikit-learn version, the training date,
the classes, the training-set size, the hold-out figures and the pickle's sha256.
It is read *before* the pickle, so a model from another scikit-learn version, a
missing file or a damaged one is refused with a :class:`ModelError` naming the
file and what to do; it is never half-loaded. Callers turn the error into the
playbook fallback (see :func:`load_or_explain`).

A pickle runs code when it is loaded: load only model files this desk wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import warnings
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

FORMAT = "baton-ticket-model"
FORMAT_VERSION = 1
RETRAIN = "retrain with `baton model train`"


class ModelError(Exception):
    """A model file that cannot be used; the message says which and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ModelMissing(ModelError):
    pass


class ModelCorrupt(ModelError):
    pass


class ModelVersionMismatch(ModelError):
    pass


@dataclass(frozen=True)
class Holdout:
    """How the model did on the most recent tickets when trained on the earlier ones."""

    train_size: int
    test_size: int
    split_at: str
    """ISO time: tickets created before it trained, from it on scored."""
    accuracy: float


@dataclass(frozen=True)
class ModelInfo:
    sklearn_version: str
    trained_at: str
    """ISO time of the training."""
    classes: tuple[str, ...]
    """The categories the model can suggest."""
    severity_classes: tuple[str, ...]
    """The severities it can suggest (empty: no severity model)."""
    training_size: int
    holdout: Holdout | None = None
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    sha256: str = ""
    """Of the pickle file; filled in by :func:`save`."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TicketModel:
    """A fitted TF-IDF vectorizer with a category classifier (and perhaps a
    severity classifier) over the same features. The estimators are scikit-learn
    objects, typed loosely because scikit-learn ships no type information."""

    vectorizer: Any
    category: Any
    severity: Any | None
    info: ModelInfo = field(compare=False)


def sidecar(path: Path) -> Path:
    """Where the JSON description of the model file ``path`` lives."""
    return path.with_name(path.name + ".json")


def sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def new_info(
    classes: tuple[str, ...],
    severity_classes: tuple[str, ...],
    training_size: int,
    trained_at: datetime,
    holdout: Holdout | None,
) -> ModelInfo:
    return ModelInfo(sklearn_version(), trained_at.isoformat(), classes, severity_classes, training_size, holdout)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def save(model: TicketModel, path: Path) -> ModelInfo:
    """Write the pickle, then its sidecar; returns the info as written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    info = replace(model.info, sha256=_digest(data))
    _write_atomically(path, data)
    _write_atomically(sidecar(path), (json.dumps(info.as_dict(), indent=2) + "\n").encode())
    return info


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_info(path: Path) -> ModelInfo:
    """The sidecar of ``path``, checked; raises :class:`ModelError`."""
    if not path.exists():
        raise ModelMissing(f"no model at {path}: train one with `baton model train`")
    side = sidecar(path)
    try:
        raw = json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelCorrupt(f"{side} is missing, so {path} cannot be checked: {RETRAIN}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelCorrupt(f"{side} is not readable JSON ({exc}): {RETRAIN}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ModelCorrupt(f"{side} does not describe a Baton ticket model: {RETRAIN}")
    if raw.get("format_version") != FORMAT_VERSION:
        raise ModelVersionMismatch(
            f"{path} is model format {raw.get('format_version')!r}, this Baton reads {FORMAT_VERSION}: " + RETRAIN
        )
    try:
        holdout = raw.pop("holdout", None)
        info = ModelInfo(
            **{**raw, "classes": tuple(raw["classes"]), "severity_classes": tuple(raw["severity_classes"])},
            holdout=Holdout(**holdout) if holdout else None,
        )
    except (KeyError, TypeError) as exc:
        raise ModelCorrupt(f"{side} lacks a field or has a wrong one ({exc}): {RETRAIN}") from None
    return info


def load(path: Path) -> TicketModel:
    """The model saved at ``path``; raises :class:`ModelError` if it cannot be used."""
    info = read_info(path)
    current = sklearn_version()
    if info.sklearn_version != current:
        raise ModelVersionMismatch(
            f"{path} was trained with scikit-learn {info.sklearn_version}, this is {current}: "
            "a model only loads in the version that wrote it; retrain with `baton model train`"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelCorrupt(f"cannot read {path}: {exc.strerror}") from None
    if _digest(data) != info.sha256:
        raise ModelCorrupt(
            f"{path} does not match the checksum in {sidecar(path)} (damaged, or replaced without its sidecar): "
            + RETRAIN
        )
    return replace(_unpickle(data, path), info=info)


def _unpickle(data: bytes, path: Path) -> TicketModel:
    from sklearn.exceptions import InconsistentVersionWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        try:
            model = pickle.loads(data)
        except InconsistentVersionWarning as exc:
            raise ModelVersionMismatch(
                f"{path} holds estimators from scikit-learn {exc.original_sklearn_version}, this is "
                f"{exc.current_sklearn_version}: {RETRAIN}"
            ) from None
        except Exception as exc:
            raise ModelCorrupt(f"{path} cannot be loaded ({type(exc).__name__}): {RETRAIN}") from None
    if not isinstance(model, TicketModel):
        raise ModelCorrupt(f"{path} holds a {type(model).__name__}, not a Baton ticket model")
    return model


def load_or_explain(path: Path) -> tuple[TicketModel | None, str | None]:
    """(the model, None), or (None, why not) for the classifier's fallback reason."""
    try:
        return load(path), None
    except ModelError as exc:
        return None, exc.message


MODEL_FILE = "classifier.pkl"


def default_model_path(database_url: str, cwd: Path | None = None) -> Path:
    """``models/classifier.pkl`` beside a SQLite database file, else in the working directory."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / "models" / MODEL_FILE
    return (cwd or Path.cwd()) / "models" / MODEL_FILE
