"""Customer sentiment: VADER with the support lexicon laid over it."""

from __future__ import annotations

import pytest

from baton.core.ticket import NEGATIVE
from baton.services.sentiment import score


@pytest.mark.parametrize(
    "text",
    [
        "I can't log in",
        "This is urgent, our dashboards are down",
        "The API has been slow all week, we need a refund",
        "Still broken. If this is not fixed we will talk to our lawyer.",
    ],
)
def test_support_complaints_vader_misses_read_as_negative(text: str) -> None:
    assert score(text) <= NEGATIVE


def test_a_thank_you_reads_as_positive() -> None:
    assert score("Thanks, that fixed it! Great support.") > 0.5


def test_a_neutral_request_is_not_negative() -> None:
    assert score("Could you send me the invoice for October?") > NEGATIVE


def test_empty_text_is_neutral() -> None:
    assert score("   ") == 0.0
