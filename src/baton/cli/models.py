"""``baton model train`` and ``baton model evaluate``: the ticket classifier from the
terminal. scikit-learn is imported inside the commands so that ``baton --help``
stays fast."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from baton.assist.model_store import MODEL_FILE, default_model_path  # noqa: F401 - part of this CLI's interface
from baton.cli.common import built as _baton
from baton.cli.common import fail as _fail

if TYPE_CHECKING:
    from baton.assist.evaluate import Evaluation
    from baton.assist.model_store import ModelInfo

model_app = typer.Typer(help="The ticket classifier: train it on resolved tickets, measure it.", no_args_is_help=True)


@model_app.command("train")
def train_command(
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the model (a .json sidecar goes beside it); models/ by the database."),
    ] = None,
) -> None:
    """Train the classifier on the desk's resolved tickets; print its size, classes and hold-out accuracy."""
    from baton.assist import model_store
    from baton.assist.classify import TrainingError, train
    from baton.assist.history import training_set

    baton = _baton()
    path = out or baton.model_path
    examples = training_set(baton.engine)
    try:
        model = train(examples, baton.clock.now())
    except TrainingError as exc:
        raise _fail(str(exc)) from None
    try:
        info = model_store.save(model, path)
    except OSError as exc:
        raise _fail(f"cannot write the model to {path}: {exc.strerror}") from None
    typer.echo(_describe(info, path))


def _describe(info: ModelInfo, path: Path) -> str:
    lines = [
        f"Trained on {info.training_size} resolved tickets (scikit-learn {info.sklearn_version}).",
        f"Categories ({len(info.classes)}): {', '.join(info.classes)}",
        f"Severities ({len(info.severity_classes)}): {', '.join(info.severity_classes) or 'none (one seen)'}",
    ]
    if info.holdout is None:
        lines.append("Hold-out accuracy: not measured (too few tickets to keep the latest 20 % apart).")
    else:
        h = info.holdout
        lines.append(
            f"Hold-out accuracy (time split: trained on the {h.train_size} tickets created before {h.split_at}, "
            f"scored on the {h.test_size} after): {h.accuracy:.1%}"
        )
    lines.append(f"Saved to {path} (described in {path.name}.json).")
    return "\n".join(lines)


@model_app.command("evaluate")
def evaluate_command(
    data: Annotated[Path, typer.Option(help="The UCI incident log (zipped CSV), read in place.")] = Path(
        "../shared/data/uci-incident-log/incident_event_log.csv.zip"
    ),
    cutoff: Annotated[
        str | None, typer.Option(help="Split date YYYY-MM-DD (UTC); by default the day 80 % of incidents had opened.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Measure group prediction and similar-incident retrieval on the real UCI incident log (time split)."""
    from baton.assist.evaluate import EvaluationError, evaluate
    from baton.integrations.importers import ImportFailed

    when = None
    if cutoff is not None:
        try:
            when = datetime.strptime(cutoff, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise _fail(f"--cutoff must be a date like 2016-05-11, not {cutoff!r}") from None
    try:
        result = evaluate(data, when)
    except (EvaluationError, ImportFailed) as exc:
        raise _fail(str(exc)) from None
    typer.echo(json.dumps(result.as_dict(), indent=2) if as_json else evaluation_text(result))


def evaluation_text(e: Evaluation) -> str:
    """What ``baton model evaluate`` prints: the scores and the split they were measured on."""
    excluded = "; ".join(f"{n} {reason}" for reason, n in e.excluded.items()) or "none"
    rows = [
        ("logistic regression", e.model.accuracy, e.model.macro_f1, e.model.top3_accuracy),
        (f"majority class ({e.majority_group})", e.majority.accuracy, e.majority.macro_f1, e.majority.top3_accuracy),
    ]
    table = [f"  {'':34} {'accuracy':>9} {'macro-F1':>9} {'top-3':>7}"]
    table += [f"  {name:34} {a:>9.1%} {f:>9.3f} {t:>7.1%}" for name, a, f, t in rows]
    r = e.retrieval
    return "\n".join(
        [
            f"Resolving group from what was known at opening: {e.source}",
            f"{e.incidents:,} incidents; left out: {excluded}.",
            f"Time split at {e.cutoff[:10]}: trained on {e.train.incidents:,} incidents resolved "
            f"{e.train.first} to {e.train.last}; scored on {e.test.incidents:,} opened {e.test.first} to "
            f"{e.test.last}; {e.between:,} opened before and resolved after the cut-off are in neither.",
            *table,
            f"  for reference, the group named on the first snapshot resolved it in {e.first_group_accuracy:.1%}; "
            f"{e.unseen_in_test} test incidents went to a group unseen in training.",
            f"Similar incidents: the top 3 of {r.indexed:,} earlier resolved include one of the same category and "
            f"resolving group for {r.hit_rate:.1%} of {r.queries:,} (the 3 latest of the same category: "
            f"{r.baseline_hit_rate:.1%}).",
            *(f"Note: {n}" for n in e.notes),
            f"Text: {e.text_corpus}.",
            f"Took {e.seconds:.1f} s.",
            e.credit,
        ]
    )


@model_app.command("agreement")
def agreement_command(
    since: Annotated[str, typer.Option(help="How far back, e.g. 30d or 12w.")] = "90d",
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """How often the category Baton gave a ticket at opening is the one it was resolved under."""
    from datetime import timedelta

    from baton.services.agreement import agreement

    units = {"d": 1, "w": 7}
    amount, unit = since[:-1], since[-1:]
    if not amount.isdigit() or unit not in units or int(amount) < 1:
        raise _fail(f"--since must be a number of days or weeks such as 90d or 12w, not {since!r}")
    baton = _baton()
    found = agreement(baton.engine, baton.clock.now() - timedelta(days=int(amount) * units[unit]))
    if as_json:
        typer.echo(json.dumps(found.as_dict(), indent=2))
        return
    typer.echo(
        f"Since {found.since:%Y-%m-%d}: {found.classified} tickets classified at opening, {found.resolved} resolved."
    )
    if not found.rows:
        typer.echo("No resolved ticket was classified at opening yet.")
    for row in found.rows:
        rate = f"{row.rate:.1%}" if row.rate is not None else "n/a"
        typer.echo(f"  {row.population:26} {row.source:9} {row.agreed:>6} of {row.tickets:<6} agree  {rate:>6}")


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
