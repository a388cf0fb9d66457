"""The report as one HTML document: every section, its figures, and no reference
to anything outside the file."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from baton.analytics.frame import Capability
from baton.reports.render import html, percent, write
from baton.reports.svg import inline
from baton.reports.weekly import assemble
from baton.reports.weeks import IsoWeek
from tests.unit.analytics.history import history

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def page() -> str:
    return html(assemble(history(), IsoWeek(2026, 45), NOW))


def test_the_page_has_every_section_and_opens_offline(page):
    for section in ("attention", "trend", "categories", "flow", "sla", "agents", "ping-pong", "about"):
        assert f'id="{section}"' in page
    assert not re.search(r"https?://", page)
    assert not re.search(r"<script|<link|<iframe|<img|\bsrc=|@import|url\((?!#)", page, re.IGNORECASE)
    assert page.count("<svg") == 5  # trend, categories, flow, SLA, agents: no anomaly without a flag


def test_the_page_shows_the_figures_of_the_week(page):
    assert 'data-metric="escalation_rate" data-value="0.75"' in page
    assert "3 of 4 cases" in page
    assert '<tr data-category="api"><td>api</td><td class="n">1</td><td class="n">1</td>' in page
    assert "frontline (T1) &gt; api (T3) &gt; frontline (T1) &gt; api (T3)" in page
    assert "4 previous weeks of history needed, 0 available" in page


def test_a_metric_the_history_cannot_give_says_unavailable_not_zero():
    without = frozenset({Capability.TEAMS, Capability.AGENTS, Capability.CATEGORIES})
    page = html(assemble(history(capabilities=without), IsoWeek(2026, 45), NOW))

    assert "Unavailable: the test history records no tiers (support lines)" in page
    card = page[page.index('data-metric="escalation_rate"') :].split("</div>\n  </div>")[0]
    assert '<div class="value">unavailable</div>' in card
    assert "records no tiers and no escalations" in card
    assert "the test history records no sla" in page.lower()


def test_write_puts_the_html_and_the_json_side_by_side(tmp_path):
    report = assemble(history(), IsoWeek(2026, 45), NOW)
    page, data = write(report, tmp_path / "out")
    assert (page.name, data.name) == ("weekly-2026-W45.html", "weekly-2026-W45.json")
    assert page.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_inline_svg_loses_its_prologue_metadata_and_namespaces_and_prefixes_its_ids():
    raw = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "x" "http://www.w3.org/x.dtd">\n'
        '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="10pt" height="5pt" viewBox="0 0 10 5" '
        'xmlns="http://www.w3.org/2000/svg"><metadata><a href="http://x"/></metadata>'
        '<defs><style>*{x:y}</style><path id="p1"/></defs><use xlink:href="#p1" clip-path="url(#c1)"/></svg>'
    )
    out = inline(raw, "c", 'a "label"')
    assert out.startswith('<svg viewBox="0 0 10 5" class="chart" role="img" aria-label=\'a "label"\'')
    assert 'id="c-p1"' in out and 'href="#c-p1"' in out and "url(#c-c1)" in out
    assert "http" not in out and "<style" not in out and "width=" not in out.split(">")[0].replace("max-width", "")


def test_percent_reads_as_people_write_it():
    assert (percent(0.4636), percent(0.045, 1), percent(None)) == ("46\u00a0%", "4.5\u00a0%", "–")
