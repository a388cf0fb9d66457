"""The weekly report page in a real Chromium against the real app on a real HTTP
server: signed-in only, reached from the header, its charts drawn as SVG, its
tables holding the figures of /api/v1/reports/weekly, another week chosen with
the week picker.

The data is a fourteen-day demo history (seed 7, ending 2026-11-20) run through
the real services, on a clock fixed at Monday 2026-11-23."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from baton.demo.simulate import simulate
from baton.reports.weekly import weekly_report
from baton.reports.weeks import IsoWeek
from baton.services.clock import FixedClock
from baton.services.tokens import create_token

from .conftest import Site, serve, sign_in, sqlite_baton

pytestmark = pytest.mark.browser

DEMO_END = date(2026, 11, 20)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SHOT = Path("/tmp/baton-reports.png")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with sqlite_baton(tmp_path_factory.mktemp("web-reports"), FixedClock(NOW)) as baton:
        simulate(baton.engine, baton.playbook, days=14, seed=7, end=DEMO_END)
        token = create_token(baton.engine, "amara", NOW)
        with serve(baton) as url:
            yield Site(url, token, baton)


def test_the_reports_page_needs_signing_in(page: Page, site: Site) -> None:
    page.goto(site.url + "/reports")

    expect(page).to_have_url(f"{site.url}/login?" + urlencode({"next": "/reports"}))
    expect(page.locator("svg.chart")).to_have_count(0)


def test_the_header_leads_to_last_weeks_report_with_its_charts_and_tables(page: Page, site: Site) -> None:
    sign_in(page, site)
    page.locator("header").get_by_role("link", name="Reports").click()

    expect(page).to_have_url(site.url + "/reports")
    expect(page.locator("h1")).to_have_text("Weekly escalation report · 2026-W47")
    expected = weekly_report(site.baton.engine, site.baton.playbook, "baton", IsoWeek(2026, 47), NOW)
    expect(page.locator('[data-figure="population"]')).to_have_text(str(expected.population.cases))

    for chart in ("trend", "categories", "flow", "sla", "agents"):
        drawn = page.locator(f'svg.chart[data-chart="{chart}"]')
        expect(drawn).to_be_visible()
        box = drawn.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100, chart
    assert page.locator('svg[data-chart="trend"] [id^="trend-series-escalation-rate"]').count() == 1
    expect(page.locator('svg[data-chart="flow"] rect.node').first).to_be_visible()
    bars = page.locator('svg[data-chart="categories"] [id^="categories-series-escalated-"]')
    expect(bars).to_have_count(len(expected.categories.rows))

    rows = page.locator("#categories tbody tr")
    expect(rows).to_have_count(len(expected.categories.rows))
    for row, figure in zip(rows.all(), expected.categories.rows, strict=True):
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        assert cells[:3] == [figure.category, str(figure.hits), str(figure.cases)]
    expect(page.locator("#sla tbody tr")).to_have_count(3)
    expect(page.locator("#agents tbody tr")).to_have_count(len(expected.agents.rows))
    expect(page.locator("#ping-pong")).to_contain_text("cases whose team path returns to a team it left")
    page.screenshot(path=str(SHOT), full_page=True)


def test_the_page_and_the_api_give_the_same_figures(page: Page, site: Site) -> None:
    sign_in(page, site, "/reports/weekly?week=2026-W46")

    answer = page.request.get(
        site.url + "/api/v1/reports/weekly?week=2026-W46", headers={"Authorization": f"Bearer {site.token}"}
    )
    assert answer.ok
    data = answer.json()
    expect(page.locator('[data-figure="week"]')).to_have_text("2026-W46")
    expect(page.locator('[data-figure="population"]')).to_have_text(str(data["population"]["cases"]))
    rate = next(m for m in data["headline"] if m["name"] == "escalation_rate")["value"]
    card = page.locator('[data-metric="escalation_rate"]')
    expect(card).to_have_attribute("data-value", str(rate["value"]))
    expect(card).to_contain_text(f"{rate['numerator']} of {rate['denominator']} cases")
    expect(page.locator("#agents tbody tr")).to_have_count(len(data["agents"]["rows"]))

    bearer = {"Authorization": f"Bearer {site.token}"}
    bad = page.request.get(site.url + "/api/v1/reports/weekly?week=2026-46", headers=bearer)
    assert bad.status == 422 and bad.json()["errors"] == [{"field": "week", "reason": "an ISO week like 2026-W46"}]
    unknown = page.request.get(site.url + "/api/v1/reports/weekly?source=legacy", headers=bearer)
    assert unknown.status == 404 and unknown.json()["detail"] == "no imported history named 'legacy'"
    assert page.request.get(site.url + "/api/v1/reports/weekly").status == 401


def test_the_week_picker_opens_another_week_and_a_bad_week_says_why(page: Page, site: Site) -> None:
    sign_in(page, site, "/reports")
    page.locator('input[name="week"]').fill("2026-W46")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(site.url + "/reports/weekly?week=2026-W46&source=baton")
    expect(page.locator("h1")).to_have_text("Weekly escalation report · 2026-W46")

    response = page.goto(site.url + "/reports/weekly?week=46")
    assert response is not None and response.status == 422
    expect(page.get_by_role("alert")).to_contain_text("ISO week like 2026-W46")
    response = page.goto(site.url + "/reports/weekly?week=2026-W46&source=legacy")
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("no imported history named 'legacy'")
