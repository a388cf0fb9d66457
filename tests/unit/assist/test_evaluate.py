"""The measurement's parts on a small log in the UCI layout: one row per incident
at opening, the resolving group, the time split and the scores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baton.assist.evaluate import (
    EvaluationError,
    default_cutoff,
    field_document,
    incidents,
    retrieval,
    scores,
    time_split,
)

HEADER = "number,incident_state,sys_updated_at,opened_at,assignment_group,category,subcategory,u_symptom,impact,urgency,contact_type,location"  # noqa: E501
ROWS = [
    # INC1: opened as Category 1, recategorised later; group blank on the Resolved snapshot.
    "INC1,New,1/3/2016 09:00,1/3/2016 08:55,Group 1,Category 1,Sub 1,Symptom 1,2 - Medium,2 - Medium,Phone,Location 1",
    "INC1,Active,1/3/2016 10:00,1/3/2016 08:55,Group 2,Category 9,Sub 1,Symptom 1,2 - Medium,2 - Medium,Phone,Location 1",  # noqa: E501
    "INC1,Resolved,2/3/2016 10:00,1/3/2016 08:55,?,Category 9,Sub 1,Symptom 1,2 - Medium,2 - Medium,Phone,Location 1",
    "INC1,Closed,9/3/2016 10:00,1/3/2016 08:55,Group 3,Category 9,Sub 1,Symptom 1,2 - Medium,2 - Medium,Phone,Location 1",  # noqa: E501
    # INC2: never resolved.
    "INC2,New,3/3/2016 09:00,3/3/2016 09:00,Group 1,Category 1,Sub 1,?,2 - Medium,2 - Medium,Phone,Location 1",
    # INC3: resolved with no group ever named.
    "INC3,New,4/3/2016 09:00,4/3/2016 09:00,?,Category 2,Sub 2,?,3 - Low,3 - Low,Email,Location 2",
    "INC3,Resolved,4/3/2016 10:00,4/3/2016 09:00,?,Category 2,Sub 2,?,3 - Low,3 - Low,Email,Location 2",
    # INC4: opened after INC1's resolution; its rows are out of order in the file.
    "INC4,Resolved,6/3/2016 12:00,5/3/2016 09:00,Group 1,Category 1,Sub 1,?,2 - Medium,2 - Medium,Phone,Location 1",
    "INC4,New,5/3/2016 09:00,5/3/2016 09:00,Group 1,Category 1,Sub 1,?,2 - Medium,2 - Medium,Phone,Location 1",
]


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n")
    return path


def test_one_row_per_incident_at_opening_labelled_with_the_group_holding_it_at_resolution(log):
    data = incidents(log)
    assert data.read == 4
    assert data.excluded == {"never resolved": 1, "no assignment group named by its resolution": 1}
    rows = {r["number"]: r for r in data.frame.iter_rows(named=True)}
    assert set(rows) == {"INC1", "INC4"}
    assert rows["INC1"]["category"] == "Category 1"  # as opened, not as recategorised
    assert rows["INC1"]["group"] == "Group 2"  # the last group named before the blank Resolved snapshot
    assert rows["INC1"]["first_group"] == "Group 1"
    assert rows["INC1"]["resolved"] == datetime(2016, 3, 2, 10, 0, tzinfo=UTC)
    assert rows["INC4"]["u_symptom"] == "?"  # unknown stays a value of its own
    assert rows["INC4"]["resolved"] == datetime(2016, 3, 6, 12, 0, tzinfo=UTC)


def test_a_file_that_is_not_the_log_is_named(tmp_path):
    with pytest.raises(EvaluationError, match="is not at"):
        incidents(tmp_path / "absent.csv.zip")
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(EvaluationError, match="not the UCI incident log"):
        incidents(other)


def test_the_split_trains_only_on_what_was_resolved_before_the_cutoff(log):
    frame = incidents(log).frame
    split = time_split(frame, datetime(2016, 3, 5, tzinfo=UTC))
    assert split.train.get_column("number").to_list() == ["INC1"]
    assert split.test.get_column("number").to_list() == ["INC4"]
    assert split.between == 0
    early = time_split(frame, datetime(2016, 3, 2, tzinfo=UTC))  # INC1 opened before, resolved after
    assert (early.train.height, early.test.height, early.between) == (0, 1, 1)


def test_the_default_cutoff_is_midnight_of_the_day_most_incidents_had_opened(log):
    assert default_cutoff(incidents(log).frame, test_share=0.5) == datetime(2016, 3, 1, tzinfo=UTC)


def test_scores_count_the_first_guess_and_the_top_three():
    truth = ["a", "b", "c", "a"]
    ranked = [["a", "b", "c"], ["c", "b", "a"], ["a", "b", "x"], ["a", "c", "b"]]
    result = scores(truth, ranked)
    assert result.accuracy == 0.5
    assert result.top3_accuracy == 0.75
    assert result.macro_f1 == pytest.approx((0.8 + 0 + 0) / 3)  # a: P 2/3 R 1; b and c never right
    with pytest.raises(EvaluationError):
        scores([], [])


def test_field_documents_leave_unknown_fields_out():
    row = {
        "category": "Category 26",
        "subcategory": "Subcategory 174",
        "u_symptom": "?",
        "impact": "2 - Medium",
        "urgency": "1 - High",
        "contact_type": "Self service",
        "location": "Location 204",
    }
    assert field_document(row) == (
        "category=category_26 subcategory=subcategory_174 impact=2_medium urgency=1_high "
        "contact_type=self_service location=location_204"
    )


def test_retrieval_hits_when_a_top_three_neighbour_shares_category_and_group(log):
    frame = incidents(log).frame
    split = time_split(frame, datetime(2016, 3, 5, tzinfo=UTC))
    result = retrieval(split.train, split.test)  # INC4 resembles INC1 but went to another group
    assert (result.hit_rate, result.baseline_hit_rate, result.queries, result.indexed) == (0.0, 0.0, 1, 1)
    same = retrieval(split.train, split.train)
    assert (same.hit_rate, same.baseline_hit_rate) == (1.0, 1.0)
