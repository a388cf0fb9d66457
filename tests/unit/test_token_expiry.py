"""`baton token create --expires`: durations in minutes, hours, days and weeks, or never."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baton.core.errors import InvalidCommand
from baton.services.tokens import DEFAULT_EXPIRY, parse_expiry


@pytest.mark.parametrize(
    ("text", "lasts"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("2w", timedelta(weeks=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 7D ", timedelta(days=7)),
    ],
)
def test_an_expiry_is_a_duration(text, lasts):
    assert parse_expiry(text) == lasts


def test_never_means_no_expiry():
    assert parse_expiry("never") is None
    assert parse_expiry("NEVER") is None


def test_the_default_expiry_is_ninety_days():
    assert parse_expiry(DEFAULT_EXPIRY) == timedelta(days=90)


@pytest.mark.parametrize("text", ["", "90", "d", "90x", "soon", "-3d", "0d", "1.5d", "3d then 2h"])
def test_anything_else_is_refused_with_the_field(text):
    with pytest.raises(InvalidCommand) as refused:
        parse_expiry(text)
    assert [e.field for e in refused.value.errors] == ["expires"]
