"""Drafting a knowledge article from a resolved escalated ticket, in the pure core:
the problem from the handoff note, the cause only where the resolving side stated
one, the steps that worked, the errors seen, and where each part came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from baton.core import commands as cmd
from baton.core.knowledge import draft_article, finding, sentences, states_a_cause
from baton.core.playbook import EscalationKind
from baton.core.ticket import Ticket
from tests.unit.ticketing import STEP, T0, act, open_command, start

NOTE = {
    "summary": "Scheduled exports fail with HTTP 500 since Monday.",
    "steps_tried": "Re-ran the export by hand: same 500",
    "error_messages": "HTTP 500 Internal Server Error, code EXP-4410",
    "configuration": "Enterprise plan, nightly CSV export to S3",
    "desired_outcome": "Nightly exports run again",
}


@dataclass(frozen=True)
class Msg:
    author_kind: str
    author: str
    visibility: str
    body: str
    created_at: datetime
    number: int = 0


def escalated() -> Ticket:
    """Opened by amara, handed off to liam (api-engineer-oncall) at T0 + 5 min."""
    ticket = start(open_command(category="data-export"))
    return act(
        ticket,
        cmd.Escalate(EscalationKind.HANDOFF, "api-engineer-oncall", "exports failing", NOTE, target_agent="liam"),
        "amara",
        at=T0 + STEP,
    )


def resolved(resolution: str, at_minutes: int = 60) -> Ticket:
    return act(escalated(), cmd.Resolve(resolution), "liam", at=T0 + timedelta(minutes=at_minutes))


def note(author: str, body: str, minutes: int, visibility: str = "internal", kind: str = "agent") -> Msg:
    return Msg(kind, author, visibility, body, T0 + timedelta(minutes=minutes), number=minutes)


def test_the_problem_and_title_come_from_the_latest_handoff_note():
    draft = draft_article(resolved("Restarted the export worker."), [])

    assert draft.problem == NOTE["summary"]
    assert draft.title == "Scheduled exports fail with HTTP 500 since Monday"
    assert draft.category == "data-export"
    assert draft.sources["problem"] == "handoff note of handoff #1 (summary)"


def test_a_cause_stated_in_the_resolution_is_taken_word_for_word():
    ticket = resolved(
        "Restarted the export worker. The exports failed because the worker's S3 credentials had expired."
    )
    draft = draft_article(ticket, [])

    assert draft.cause == "The exports failed because the worker's S3 credentials had expired."
    assert "cause" not in draft.missing
    assert draft.sources["cause"] == "resolution"


def test_a_cause_in_the_specialists_internal_note_is_found_and_the_frontline_guess_is_not():
    thread = [
        note("amara", "Maybe this is due to the customer's firewall.", 2),  # before the handoff: a guess
        note(
            "liam", "Pulled the worker logs. Root cause: the S3 bucket policy was changed by the customer's admin.", 20
        ),
        note("liam", "Customer says it is due to our release.", 25, visibility="public"),
    ]
    draft = draft_article(resolved("Asked the customer to restore the bucket policy; exports run."), thread)

    assert draft.cause == "Root cause: the S3 bucket policy was changed by the customer's admin."
    assert draft.sources["cause"] == "internal note #20 by liam"


def test_without_a_stated_cause_the_cause_is_left_empty_and_named_missing():
    thread = [note("liam", "Restarted the worker and re-ran last night's export.", 20)]
    draft = draft_article(resolved("Exports run again."), thread)

    assert draft.cause == ""
    assert draft.missing == ("cause",)
    assert "not stated" in draft.sources["cause"]


def test_the_steps_are_the_specialists_last_notes_then_the_resolution():
    thread = [
        note("liam", "Pulled the worker logs.", 10),
        note("liam", "Rotated the S3 credentials. They had expired because nobody owned the rotation.", 20),
        note("amara", "Told the customer we are on it.", 22, visibility="public"),
        note("liam", "Re-ran the failed exports for Monday to Wednesday.", 30),
        note("liam", "Checked tonight's export queue.", 40),
        note("liam", "Wrote the follow-up after the resolution.", 90),  # after resolving: not a step that worked
    ]
    draft = draft_article(resolved("Rotated the credentials and re-ran the exports."), thread)

    assert draft.steps_that_worked == (
        "Rotated the S3 credentials.",
        "Re-ran the failed exports for Monday to Wednesday.",
        "Checked tonight's export queue.",
        "Rotated the credentials and re-ran the exports.",
    )
    assert draft.cause == "They had expired because nobody owned the rotation."
    assert draft.sources["steps"].endswith("; resolution")


def test_errors_seen_in_the_body_thread_and_notes_are_collected_once():
    thread = [note("liam", "Worker log shows 'S3 access denied' on every upload.", 20)]
    draft = draft_article(resolved("Rotated the credentials."), thread)

    assert "code EXP-4410" in draft.errors
    assert "S3 access denied" in draft.errors
    assert len(draft.errors) == len(set(draft.errors))


def test_nothing_is_invented_every_part_is_text_the_ticket_holds():
    ticket = resolved("Fixed.")
    draft = draft_article(ticket, [])

    assert draft.cause == "" and draft.steps_that_worked == ("Fixed.",)
    assert draft.ticket_id == ticket.id
    assert set(draft.missing) == {"cause"}


def test_cause_sentences_are_told_apart_from_what_was_done():
    assert states_a_cause("It failed due to an expired token.")
    assert states_a_cause("The limit was reset to 60 per minute by the March migration.")
    assert states_a_cause("The key's quota was wrong.")
    assert not states_a_cause("Restored the key's limit to 600 per minute.")
    assert not states_a_cause("The customer was charged twice.")
    assert sentences("One. Two! Three?  Four") == ["One.", "Two!", "Three?", "Four"]


def test_a_resolution_written_as_finding_then_actions_gives_its_finding_as_the_cause():
    draft = draft_article(
        resolved("A malformed row in one dataset blocked the exporter; skipped it and re-ran the export."), []
    )
    assert draft.cause == "A malformed row in one dataset blocked the exporter."
    assert draft.sources["cause"] == "resolution (what was found, before what was done)"
    assert "cause" not in draft.missing


def test_a_resolution_that_only_lists_actions_states_no_finding():
    assert finding("Refunded the duplicate capture; the payment retry bug is tracked.") is None
    assert finding("Enabled public links; walked the customer through it.") is None
    assert finding("The key had been re-issued without its limit; restored 600/min.") == (
        "The key had been re-issued without its limit."
    )
    assert finding("A runaway query saturated the slot; killed it and capped its concurrency.") == (
        "A runaway query saturated the slot."
    )
    assert finding("The export is slow; the customer will retry tonight.") is None  # no action follows
    assert finding("No semicolon here, so no finding.") is None
