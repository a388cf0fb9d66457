"""The text the API accepts, declared once: every string in a request (body, query or
path) is one of these, so each has a length limit the OpenAPI schema shows and none
carries a control character.

- *one-line* text (names, labels, reasons, subjects) holds no control character at all:
  no C0 (tab and newlines included), no DEL, no C1;
- *multi-line* text (ticket and message bodies, resolutions, note fields, comments)
  may hold tab, newline and carriage return, and no other control character.

Neither may hold a lone surrogate (it has no UTF-8 form: no store keeps it; pydantic
refuses one as it reads the string). A refused value answers 422 naming the field and
the character's position. The limits of ticket text are the core's
(:data:`baton.core.checks.SUBJECT_MAX`, :data:`~baton.core.checks.BODY_MAX`), so the
API refuses at the edge what the core would refuse anyway, in the same words."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, WithJsonSchema

from baton.core.checks import BODY_MAX, SUBJECT_MAX

__all__ = [
    "BODY_MAX",
    "COMMENT_MAX",
    "LABEL_MAX",
    "LINE_MAX",
    "MULTI_LINE_PATTERN",
    "NAME_MAX",
    "NOTE_FIELDS_MAX",
    "NOTE_MAX",
    "ONE_LINE_PATTERN",
    "SUBJECT_MAX",
    "Comment",
    "Key",
    "Label",
    "Line",
    "LongText",
    "MultiLine",
    "Name",
    "NoteText",
    "OneLine",
    "Reason",
    "Subject",
    "control_at",
    "refusal",
]

LABEL_MAX = 64
"""A playbook key: a severity, category, status, customer tier, channel, calendar, note field."""
NAME_MAX = 200
"""A person's, role's, customer's or integration's name."""
LINE_MAX = 2_000
"""A reason (the core's limit on an escalation's reason), a page-context value."""
COMMENT_MAX = 2_000
NOTE_MAX = 10_000
"""One field of a handoff note."""
NOTE_FIELDS_MAX = 50
"""Fields in a handoff note, entries in a page context."""

ONE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
MULTI_LINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
"""Checked by pydantic beside the length (one string schema, so every limit applies
together); :func:`refusal` words a mismatch for the problem answer."""


def control_at(value: str, *, multiline: bool) -> int | None:
    """Where ``value`` holds its first character it may not: a control character (tab,
    newline and carriage return allowed when ``multiline``) or a lone surrogate."""
    if value.isprintable():
        return None
    allowed = "\t\n\r" if multiline else ""
    for i, ch in enumerate(value):
        if ch not in allowed and (ch < " " or "\x7f" <= ch <= "\x9f" or "\ud800" <= ch <= "\udfff"):
            return i
    return None


def refusal(value: str, pattern: str) -> str | None:
    """What is wrong with ``value``, in words, when it does not match one of the
    patterns above; None for any other pattern."""
    if pattern not in (ONE_LINE_PATTERN, MULTI_LINE_PATTERN):
        return None
    multiline = pattern == MULTI_LINE_PATTERN
    at = control_at(value, multiline=multiline)
    if at is None:
        return None
    kind = "a surrogate" if "\ud800" <= value[at] <= "\udfff" else "a control character"
    lines = "" if multiline else " (one line: no tab or line break)"
    return f"contains {kind}, U+{ord(value[at]):04X}, at position {at}{lines}"


OneLine = Annotated[str, Field(pattern=ONE_LINE_PATTERN)]
"""One-line text without a limit of its own: give it one, ``Annotated[OneLine, Field(max_length=n)]``."""
MultiLine = Annotated[str, Field(pattern=MULTI_LINE_PATTERN)]
"""Multi-line text without a limit of its own: give it one, ``Annotated[MultiLine, Field(max_length=n)]``."""

Label = Annotated[OneLine, Field(max_length=LABEL_MAX)]
Key = Annotated[
    str,
    Field(max_length=LABEL_MAX, pattern=ONE_LINE_PATTERN),
    WithJsonSchema({"type": "string", "maxLength": LABEL_MAX, "pattern": ONE_LINE_PATTERN}),
]
"""A label as an object's key (a note field's name, a page-context entry): its schema
goes under ``propertyNames``, where pydantic would otherwise write ``patternProperties``."""
Name = Annotated[OneLine, Field(max_length=NAME_MAX)]
Subject = Annotated[OneLine, Field(max_length=SUBJECT_MAX)]
Line = Annotated[OneLine, Field(max_length=LINE_MAX)]
Reason = Line
LongText = Annotated[MultiLine, Field(max_length=BODY_MAX)]
NoteText = Annotated[MultiLine, Field(max_length=NOTE_MAX)]
Comment = Annotated[MultiLine, Field(max_length=COMMENT_MAX)]
