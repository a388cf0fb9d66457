"""Suggesting a category and severity: hints, then the model, then the playbook fallback."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from baton.assist.classify import (
    ClassifierConfig,
    Example,
    Source,
    TrainingError,
    fit_model,
    holdout_accuracy,
    matched_hints,
    suggest,
    time_split,
)

from .corpus import TRAINED_AT, scenario_examples

NO_HINTS = ClassifierConfig(hints={}, severity_hints={})
# Paraphrases of the demo's problems that use none of the hint phrases.
DATE_FILTER = "When I pick 'This month' in the date filter, the charts show last month's numbers"
DASHBOARDS = "Every dashboard in our workspace takes over a minute to load"


def test_a_hint_wins_even_where_the_model_would_say_otherwise(playbook, model):
    text = f"{DATE_FILTER}. Also, we were charged twice this month."
    assert suggest(text, playbook, model, ClassifierConfig(hints={}, threshold=0.0)).category == "bug"
    suggestion = suggest(text, playbook, model)
    assert (suggestion.category, suggestion.source, suggestion.confidence) == ("billing", Source.HINTS, 1.0)
    assert "'charged twice'" in suggestion.reason and "'billing'" in suggestion.reason


def test_hints_match_whole_words_in_any_case(playbook):
    assert suggest("Our API returns HTTP 429", playbook, None).category == "api"
    assert matched_hints("rapid growth, capitalised", {"api": ("api",)}) == {}
    assert matched_hints("Our SSO and our Login", {"account-access": ("sso", "login")}) == {
        "account-access": ["sso", "login"]
    }


def test_hints_that_disagree_leave_the_choice_to_the_model(playbook, model):
    suggestion = suggest("Is the API slow?", playbook, model)  # 'api' and 'slow': one hint each
    assert suggestion.source is not Source.HINTS


def test_hints_for_a_category_the_playbook_lacks_are_ignored(playbook):
    config = ClassifierConfig(hints={"legal": ("lawyer",)})
    suggestion = suggest("Our lawyer asks about the contract", playbook, None, config)
    assert suggestion.source is Source.FALLBACK


def test_the_model_classifies_text_no_hint_covers(playbook, model):
    for text, category in ((DATE_FILTER, "bug"), (DASHBOARDS, "performance")):
        suggestion = suggest(text, playbook, model, NO_HINTS)
        assert (suggestion.category, suggestion.source) == (category, Source.MODEL)
        assert 0.5 <= suggestion.confidence <= 1
        assert suggestion.alternatives[0] == (category, suggestion.confidence)
        assert len(suggestion.alternatives) == 3
        assert suggestion.route_to is None


def test_confidence_below_the_threshold_falls_back_to_the_intake_role_with_the_reason(playbook, model):
    config = ClassifierConfig(threshold=0.99, hints={})
    suggestion = suggest(DATE_FILTER, playbook, model, config)
    assert suggestion.source is Source.FALLBACK
    assert suggestion.route_to == playbook.intake_role == "frontline"
    assert suggestion.confidence == 0.0
    assert "best guess 'bug' has confidence" in suggestion.reason
    assert "below the threshold 0.99" in suggestion.reason
    assert suggestion.alternatives[0][0] == "bug"  # the guess travels with the fallback


def test_the_fallback_category_is_configurable_and_defaults_to_the_playbooks_first(playbook):
    assert suggest("", playbook, None).category == next(iter(playbook.categories)) == "how-to"
    assert suggest("", playbook, None, ClassifierConfig(fallback_category="bug")).category == "bug"
    assert suggest("", playbook, None, ClassifierConfig(fallback_category="nonsense")).category == "how-to"


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_falls_back_with_a_clear_reason(playbook, model, text):
    suggestion = suggest(text, playbook, model)
    assert suggestion.source is Source.FALLBACK
    assert suggestion.reason.startswith("the ticket has no text")
    assert suggestion.route_to == "frontline"


def test_a_one_mebibyte_text_is_classified_on_its_beginning_quickly(playbook, model):
    text = DATE_FILTER + " " + "lorem ipsum " * (1024 * 1024 // 12)
    assert len(text) >= 1024 * 1024
    started = time.perf_counter()
    suggestion = suggest(text, playbook, model, NO_HINTS)
    assert time.perf_counter() - started < 1.0
    assert suggestion.source is Source.MODEL and suggestion.category == "bug"
    assert f"first 20,000 of {len(text):,} characters" in suggestion.reason


def test_a_huge_text_of_one_repeated_character_still_gets_a_suggestion(playbook, model):
    suggestion = suggest("x" * (1024 * 1024), playbook, model)
    assert suggestion.source is Source.FALLBACK
    assert "vocabulary" in suggestion.reason


@pytest.mark.parametrize(
    "text",
    [
        "ダッシュボードの読み込みが非常に遅いです。助けてください。",
        "Kojelauta ei lataudu ollenkaan, auttakaa",
        "Приборная панель не загружается",
    ],
)
def test_text_in_a_language_the_model_never_saw_falls_back_and_says_why(playbook, model, text):
    suggestion = suggest(text, playbook, model)
    assert suggestion.source is Source.FALLBACK
    assert "none of its words is in the model's vocabulary" in suggestion.reason
    assert suggestion.route_to == "frontline"


def test_without_a_model_the_reason_names_the_problem(playbook):
    suggestion = suggest(DATE_FILTER, playbook, None, model_problem="no model at /x/classifier.pkl")
    assert suggestion.source is Source.FALLBACK
    assert "no model at /x/classifier.pkl" in suggestion.reason
    assert "no model has been trained" in suggest(DATE_FILTER, playbook, None).reason


def test_severity_comes_from_the_model_or_the_severity_hints(playbook, model):
    suggestion = suggest("Total outage: production is down for everyone", playbook, None)
    assert (suggestion.severity, suggestion.severity_source) == ("critical", Source.HINTS)
    assert suggest("Thanks", playbook, None).severity is None
    modelled = suggest("Can we schedule exports to Google Drive? Is that possible or planned?", playbook, model)
    assert (modelled.severity, modelled.severity_source) == ("low", Source.MODEL)  # feature requests are all low


def test_training_refuses_too_little_history():
    one = Example("text", "bug", "low", TRAINED_AT)
    with pytest.raises(
        TrainingError, match="need at least 10 resolved tickets in at least 2 categories to train; found 1 in 1"
    ):
        fit_model([one], TRAINED_AT)
    with pytest.raises(TrainingError, match="found 12 in 1"):
        fit_model([one] * 12, TRAINED_AT)


def test_the_model_records_what_it_was_trained_on(model):
    assert model.info.training_size == 90
    assert model.info.classes == tuple(sorted({e.category for e in scenario_examples()}))
    assert model.info.severity_classes == ("critical", "high", "low", "medium")
    assert model.info.trained_at == TRAINED_AT.isoformat()


def test_the_hold_out_is_the_latest_tickets_never_a_random_sample():
    at = datetime(2026, 1, 1, tzinfo=UTC)
    examples = [Example(f"t{i}", "a" if i % 2 else "b", "low", at + timedelta(hours=i)) for i in range(10)]
    examples.append(Example("tie", "a", "low", at + timedelta(hours=7)))  # same instant as t7
    train, test = time_split(list(reversed(examples)), test_share=0.25)  # the 8th of 11 is the twin
    assert max(e.created_at for e in train) < min(e.created_at for e in test)
    assert {e.text for e in test} == {"t8", "t9"}
    assert {"t7", "tie"} <= {e.text for e in train}  # t7 and its twin stay together


def test_the_hold_out_accuracy_on_the_scenarios(model):
    holdout = holdout_accuracy(scenario_examples(), TRAINED_AT)
    assert holdout is not None
    assert (holdout.train_size, holdout.test_size) == (72, 18)
    assert holdout.accuracy == 1.0  # the demo's texts are templated: this says nothing about real tickets
    assert holdout_accuracy(scenario_examples()[:12], TRAINED_AT) is None
