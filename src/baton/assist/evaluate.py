"""How well the assist works on real data: the UCI incident log, read in place.

One row per incident, at the state known when it was opened (its earliest
snapshot): category, subcategory, symptom, impact, urgency, contact type and
location. The label is the assignment group holding the incident at its first
``Resolved`` snapshot (the last group named up to it: a snapshot may leave the
group blank). The split is by time, never random: the model learns from the
incidents resolved before the cut-off and is scored on those opened from it on,
so nothing it learns comes from the period it is scored on; incidents opened
before the cut-off and resolved after it are in neither side.

- Classification: one-hot features, logistic regression; accuracy, macro-F1 and
  top-3 accuracy beside the majority-class baseline (and, for reference, how often
  the group named on the incident's first snapshot was the resolving one).
- Retrieval: for each test incident, do the 3 most similar earlier resolved
  incidents (TF-IDF cosine over the same fields, :mod:`baton.assist.similar`)
  include one of the same category resolved by the same group? Beside it: the 3
  most recently resolved incidents of the same category.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from baton.assist.similar import FIELDS, ResolvedTicket, SimilarIndex, TextOptions
from baton.integrations.importers.eventlog import read_csv_table

LOG = Path("../shared/data/uci-incident-log/incident_event_log.csv.zip")
"""Where the log is, from the project root."""
CREDIT = (
    "Data: 'Incident management process enriched event log', UCI Machine Learning Repository, dataset 498, "
    "DOI 10.24432/C57S4H (C. A. L. Amaral, M. Fantinato, S. M. Peres), licensed CC BY 4.0; "
    "figures computed by Baton on the unmodified file."
)
TEXT_CORPUS = "no real ticket-text corpus is in ../shared/data yet: the text classifier is not measured on real text"
FEATURES = ("category", "subcategory", "u_symptom", "impact", "urgency", "contact_type", "location")
TIME_FORMAT = "%d/%m/%Y %H:%M"
MISSING = ("", "?")
TOP = 3
TEST_SHARE = 0.2
_c = pl.col


class EvaluationError(ValueError):
    pass


@dataclass(frozen=True)
class Incidents:
    frame: pl.DataFrame
    """number, opened, resolved (UTC), the FEATURES, group, first_group."""
    read: int
    """Incidents in the file."""
    excluded: dict[str, int]
    """Incidents left out, per reason."""


def incidents(path: Path) -> Incidents:
    """One row per incident (see the module doc); raises :class:`EvaluationError`."""
    if not path.exists():
        raise EvaluationError(f"the UCI incident log is not at {path} (../shared/data from the project root)")
    table = read_csv_table(path, MISSING)
    wanted = {"number", "incident_state", "sys_updated_at", "opened_at", "assignment_group", *FEATURES}
    absent = sorted(wanted - set(table.columns))
    if absent:
        raise EvaluationError(f"{path}: not the UCI incident log (no column {', '.join(absent)})")
    parsed = table.with_columns(
        updated=_c("sys_updated_at").str.strptime(pl.Datetime("us"), TIME_FORMAT, strict=False),
        opened=_c("opened_at").str.strptime(pl.Datetime("us"), TIME_FORMAT, strict=False),
    ).with_columns(_c("updated", "opened").dt.replace_time_zone("UTC"))
    read = parsed.get_column("number").n_unique()
    bad_time = parsed.filter(_c("updated").is_null() | _c("opened").is_null()).get_column("number").unique()
    rows = parsed.filter(~_c("number").is_in(bad_time.implode())).sort("number", "updated", "row")
    rows = rows.with_columns(group=_c("assignment_group").forward_fill().over("number"))
    first = rows.group_by("number", maintain_order=True).agg(
        _c("opened").first(), *[_c(f).first() for f in FEATURES], first_group=_c("assignment_group").first()
    )
    resolved = (
        rows.filter(_c("incident_state") == "Resolved")
        .group_by("number", maintain_order=True)
        .agg(resolved=_c("updated").first(), group=_c("group").first())
    )
    joined = first.join(resolved, on="number", how="left")
    never = joined.filter(_c("resolved").is_null()).height
    no_group = joined.filter(_c("resolved").is_not_null() & _c("group").is_null()).height
    frame = joined.filter(_c("resolved").is_not_null(), _c("group").is_not_null()).with_columns(
        [_c(f).fill_null("?") for f in FEATURES]
    )
    excluded = {
        "a time that is not d/m/yyyy HH:MM": bad_time.len(),
        "never resolved": never,
        "no assignment group named by its resolution": no_group,
    }
    return Incidents(frame, read, {k: v for k, v in excluded.items() if v})


@dataclass(frozen=True)
class Split:
    train: pl.DataFrame
    """Resolved before the cut-off, in order of resolution."""
    test: pl.DataFrame
    """Opened from the cut-off on, in order of opening."""
    cutoff: datetime
    between: int
    """Opened before the cut-off, resolved after it: in neither side."""


def default_cutoff(frame: pl.DataFrame, test_share: float = TEST_SHARE) -> datetime:
    """Midnight (UTC) of the day by which (1 - test_share) of the incidents had opened."""
    moment: object = frame.get_column("opened").quantile(1 - test_share, interpolation="lower")
    if not isinstance(moment, datetime):
        raise EvaluationError("no incident to split")
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def time_split(frame: pl.DataFrame, cutoff: datetime) -> Split:
    train = frame.filter(_c("resolved") < cutoff).sort("resolved", "number")
    test = frame.filter(_c("opened") >= cutoff).sort("opened", "number")
    return Split(train, test, cutoff, frame.height - train.height - test.height)


@dataclass(frozen=True)
class Scores:
    accuracy: float
    macro_f1: float
    top3_accuracy: float


def scores(truth: Sequence[str], ranked: Sequence[Sequence[str]]) -> Scores:
    """Accuracy and macro-F1 of the first of each ranking, and top-3 accuracy.
    Macro-F1 averages over every group that is true or predicted in the test period."""
    from sklearn.metrics import f1_score

    if not truth:
        raise EvaluationError("no test incident to score")
    first = [r[0] for r in ranked]
    accuracy = sum(p == y for p, y in zip(first, truth, strict=True)) / len(truth)
    top = sum(y in r[:TOP] for r, y in zip(ranked, truth, strict=True)) / len(truth)
    macro = float(f1_score(list(truth), first, average="macro", zero_division=0))
    return Scores(accuracy, macro, top)


def _matrix(frame: pl.DataFrame) -> Any:
    return frame.select(FEATURES).to_numpy()


def fit_groups(train: pl.DataFrame) -> tuple[Any, list[str]]:
    """The fitted one-hot + logistic-regression pipeline, and notes on the fit."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    model = make_pipeline(
        OneHotEncoder(handle_unknown="ignore"),
        LogisticRegression(C=1.0, solver="saga", tol=1e-3, max_iter=200, random_state=0),
    )
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(_matrix(train), train.get_column("group").to_list())
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append("the logistic regression stopped at its iteration limit before converging")
    return model, notes


def rank_groups(model: Any, test: pl.DataFrame) -> list[list[str]]:
    import numpy

    probabilities = model.predict_proba(_matrix(test))
    order = numpy.argsort(-probabilities, axis=1, kind="stable")[:, :TOP]
    classes = model.classes_
    return [[str(classes[j]) for j in row] for row in order]


def field_document(row: dict[str, Any]) -> str:
    """An incident's coded fields as tokens (``category=category_26``), for TF-IDF.
    Unknown fields are left out: a shared blank is no sign of likeness."""
    return " ".join(
        f"{name}={re.sub(r'[^0-9a-z]+', '_', str(row[name]).lower())}" for name in FEATURES if row[name] != "?"
    )


def _index(train: pl.DataFrame) -> SimilarIndex:
    tickets = [
        ResolvedTicket(r["number"], field_document(r), "", r["category"], r["group"])
        for r in train.iter_rows(named=True)
    ]
    return SimilarIndex.build(
        tickets, TextOptions(token_pattern=FIELDS, lowercase=False, stop_words=False, bigrams=False)
    )


@dataclass(frozen=True)
class Retrieval:
    hit_rate: float
    """Share of test incidents whose top 3 include one of the same category and resolving group."""
    baseline_hit_rate: float
    """The same for the 3 most recently resolved incidents of the same category."""
    queries: int
    indexed: int


def retrieval(train: pl.DataFrame, test: pl.DataFrame) -> Retrieval:
    index = _index(train)
    categories = train.get_column("category").to_list()
    groups = train.get_column("group").to_list()
    found = index.top_many([field_document(r) for r in test.iter_rows(named=True)], TOP)
    recent: dict[str, list[int]] = {}
    for position, category in enumerate(categories):
        recent.setdefault(category, []).append(position)
    hits = baseline = 0
    for row, top in zip(test.iter_rows(named=True), found, strict=True):
        wanted = (row["category"], row["group"])
        hits += any((categories[i], groups[i]) == wanted for i, _ in top)
        baseline += any(groups[i] == row["group"] for i in recent.get(row["category"], [])[-TOP:])
    return Retrieval(hits / test.height, baseline / test.height, test.height, len(index))


@dataclass(frozen=True)
class Side:
    incidents: int
    first: str
    last: str
    groups: int


def _minute(value: object) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else ""


def _side(frame: pl.DataFrame, column: str) -> Side:
    times = frame.get_column(column)
    return Side(frame.height, _minute(times.min()), _minute(times.max()), frame["group"].n_unique())


@dataclass(frozen=True)
class Evaluation:
    source: str
    credit: str
    incidents: int
    excluded: dict[str, int]
    cutoff: str
    train: Side
    """Incidents resolved before the cut-off (first and last: resolution times)."""
    test: Side
    """Incidents opened from the cut-off on (first and last: opening times)."""
    between: int
    unseen_in_test: int
    """Test incidents whose resolving group never resolved a training incident."""
    model: Scores
    majority: Scores
    majority_group: str
    first_group_accuracy: float
    retrieval: Retrieval
    seconds: float
    notes: list[str] = field(default_factory=list)
    text_corpus: str = TEXT_CORPUS

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(path: Path = LOG, cutoff: datetime | None = None) -> Evaluation:
    """The whole measurement (see the module doc)."""
    started = time.perf_counter()
    data = incidents(path)
    split = time_split(data.frame, cutoff or default_cutoff(data.frame))
    if split.train.height == 0 or split.test.height == 0:
        raise EvaluationError(f"the cut-off {split.cutoff:%Y-%m-%d} leaves no incident to train on or to score")
    truth = split.test.get_column("group").to_list()
    model, notes = fit_groups(split.train)
    counts = split.train.get_column("group").value_counts(sort=True)
    common = [str(g) for g in counts.get_column("group").head(TOP)]
    known = set(counts.get_column("group").to_list())
    first_group = split.test.get_column("first_group").to_list()
    return Evaluation(
        source=str(path),
        credit=CREDIT,
        incidents=data.read,
        excluded=data.excluded,
        cutoff=split.cutoff.isoformat(),
        train=_side(split.train, "resolved"),
        test=_side(split.test, "opened"),
        between=split.between,
        unseen_in_test=sum(g not in known for g in truth),
        model=scores(truth, rank_groups(model, split.test)),
        majority=scores(truth, [common] * len(truth)),
        majority_group=common[0],
        first_group_accuracy=sum(f == g for f, g in zip(first_group, truth, strict=True)) / len(truth),
        retrieval=retrieval(split.train, split.test),
        seconds=time.perf_counter() - started,
        notes=notes,
    )
