"""Support lines (tiers 1-4) from a column or from a rule over team names."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from baton.integrations.importers.report import ImportFailed

TIERS = (1, 2, 3, 4)
_c = pl.col
_SPLIT = re.compile(r",(?![^{]*\})")
"""Commas between rules, not inside a regex repetition such as ``{1,3}``."""


@dataclass(frozen=True)
class TierRule:
    """Ordered ``(regex, tier)`` pairs: a team takes the tier of the first regex
    found in its name (a search, not a full match); an unmatched team is tier 1;
    an unknown team has an unknown tier."""

    rules: tuple[tuple[str, int], ...]

    @classmethod
    def parse(cls, text: str | list[str] | tuple[str, ...]) -> TierRule:
        """``'REGEX=TIER,REGEX=TIER'`` (also given as several strings)."""
        parts = [text] if isinstance(text, str) else list(text)
        rules: list[tuple[str, int]] = []
        for part in parts:
            for item in _SPLIT.split(part):
                if not item.strip():
                    continue
                regex, equals, tier = item.rpartition("=")
                if not equals or not regex:
                    raise ImportFailed(f"--tier-rule {item!r}: write REGEX=TIER, e.g. 'L2|2nd=2'")
                if not tier.strip().isdigit() or int(tier) not in TIERS:
                    raise ImportFailed(f"--tier-rule {item!r}: the tier must be 1, 2, 3 or 4, not {tier!r}")
                _check_regex(regex, item)
                rules.append((regex, int(tier)))
        if not rules:
            raise ImportFailed("--tier-rule is empty: write REGEX=TIER,...")
        return cls(tuple(rules))

    def expr(self, team: str = "team") -> pl.Expr:
        chosen: pl.Expr = pl.lit(1, pl.Int8)
        for regex, tier in reversed(self.rules):
            chosen = pl.when(_c(team).str.contains(regex)).then(pl.lit(tier, pl.Int8)).otherwise(chosen)
        return pl.when(_c(team).is_null()).then(pl.lit(None, pl.Int8)).otherwise(chosen)

    def describe(self) -> str:
        return ", ".join(f"/{r}/ -> {t}" for r, t in self.rules) + ", any other team -> 1"


def _check_regex(regex: str, item: str) -> None:
    try:
        pl.Series([""], dtype=pl.String).str.contains(regex)
    except pl.exceptions.ComputeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ImportFailed(f"--tier-rule {item!r}: {regex!r} is not a valid regex ({first})") from None


def tier_from_text(column: str) -> pl.Expr:
    """A support line from text such as ``2``, ``L2``, ``2nd line``: its first number."""
    return _c(column).cast(pl.String).str.extract(r"(\d+)", 1).cast(pl.Int64, strict=False)
