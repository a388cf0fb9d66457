"""Similar resolved tickets: TF-IDF cosine, best first, with what resolved them."""

from __future__ import annotations

from baton.assist.similar import FIELDS, ResolvedTicket, SimilarIndex, TextOptions
from baton.demo.scenarios import SCENARIOS


def _resolved() -> list[ResolvedTicket]:
    return [
        ResolvedTicket(number, f"{s.subject}\n{s.body}", s.resolution, s.category, s.specialist or "frontline")
        for number, (s, _) in enumerate(SCENARIOS, 1)
    ]


def test_an_obviously_matching_resolved_ticket_ranks_first_with_its_resolution():
    index = SimilarIndex.build(_resolved())
    matches = index.top("Our API calls get 429 Too Many Requests although we are far below the rate limit", k=3)
    api = next(s for s, _ in SCENARIOS if s.category == "api")
    assert matches[0].category == "api"
    assert matches[0].resolution == api.resolution
    assert matches[0].resolved_by == "api-engineer-oncall"
    assert 0 < matches[0].score <= 1
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert all(m.score < matches[0].score / 2 for m in matches[1:])


def test_each_scenario_finds_itself_first():
    tickets = _resolved()
    index = SimilarIndex.build(tickets)
    for ticket in tickets:
        assert index.top(ticket.text, k=1)[0].ticket_id == ticket.ticket_id


def test_nothing_in_common_returns_nothing_and_k_bounds_the_answer():
    index = SimilarIndex.build(_resolved())
    assert index.top("zzxq qqvv", k=5) == []
    assert index.top("", k=5) == []
    assert len(index.top("dashboard export invoice login", k=2)) == 2
    assert index.top("dashboard", k=0) == []


def test_in_a_small_index_one_shared_word_scores_high_and_min_shared_leaves_it_out():
    index = SimilarIndex.build([
        ResolvedTicket(1, "Users can't log in after we switched on SSO", "fixed NameID"),
        ResolvedTicket(2, "Scheduled export stuck in progress", "skipped a malformed row"),
    ])  # fmt: skip
    bug = "The date filter shows last month's numbers; our users report wrong figures"
    [lone] = index.top(bug, k=3)
    assert lone.ticket_id == 1 and lone.score > 0.25  # "users" alone
    assert index.top(bug, k=3, min_shared=2) == []
    assert [m.ticket_id for m in index.top("users cannot log in since SSO", k=3, min_shared=2)] == [1]


def test_among_equal_scores_the_ticket_resolved_later_comes_first():
    same = [ResolvedTicket(i, "export stuck in progress", f"fix {i}") for i in range(5)]
    index = SimilarIndex.build([ResolvedTicket("other", "invoice charged twice", "refund"), *same])
    assert [m.ticket_id for m in index.top("export stuck", k=3)] == [4, 3, 2]


def test_an_empty_index_answers_every_query_with_nothing():
    assert SimilarIndex.build([]).top("anything", k=3) == []
    stop_words_only = SimilarIndex.build([ResolvedTicket(1, "the and of", "")])
    assert stop_words_only.top("the", k=3) == []


def test_coded_fields_are_matched_as_whole_tokens():
    options = TextOptions(token_pattern=FIELDS, lowercase=False, stop_words=False, bigrams=False)
    index = SimilarIndex.build(
        [ResolvedTicket("a", "category=c_1 location=l_2", ""), ResolvedTicket("b", "category=c_12 location=l_2", "")],
        options,
    )
    assert [m.ticket_id for m in index.top("category=c_12 location=l_9", k=2)] == ["b"]
    batch = index.top_many(["category=c_1", "location=l_2", "nothing"], k=2)
    assert [i for i, _ in batch[0]] == [0] and [i for i, _ in batch[1]] == [1, 0] and batch[2] == []
