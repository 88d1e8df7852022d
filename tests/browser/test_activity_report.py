"""The activity report on a phone: a coordinator reads last month's figures, charts and tables
in French and in English, the page fits 360 px, and the PDF export downloads.

With LIENS_SHOTS=<folder> set, the pages are also saved as screenshots there."""

import os
from pathlib import Path

import pytest

from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, login, phone_context
from tests.outcomes.activity_world import at, build_world

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("LIENS_SHOTS")


@pytest.mark.parametrize(
    ("language", "locale", "heading"), [("fr", "fr-FR", "Rapport d’activité"), ("en", "en-GB", "Activity report")]
)
def test_a_coordinator_reads_last_months_report_on_a_phone(
    browser, live_server, fixed_clock, association_a, association_b, coordinator_a, language, locale, heading
):
    fixed_clock.move_to(at(2026, 11, 18, 10))
    build_world(association_a, association_b, coordinator_a)
    coordinator_a.language = language
    coordinator_a.save()
    context = phone_context(browser, live_server, locale=locale)
    page = context.new_page()
    login(page, coordinator_a.email, factories.PASSWORD)
    page.goto("/association/")
    page.click("#activity-report-link a")
    page.wait_for_load_state("networkidle")
    assert heading in page.inner_text("h1")
    assert page.inner_text("#figure-people") == "6"
    assert page.locator("svg.bar-chart").count() == 4
    assert page.locator("#table-hours").is_visible()
    for width in (360, 390):
        assert_no_sideways_scroll(page, width)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/activity-{language}-{width}.png", full_page=True)
    with page.expect_download() as download:
        page.click("text=PDF")
    assert download.value.suggested_filename.endswith("2026-10-01-2026-10-31.pdf")
    if SHOTS:
        download.value.save_as(f"{SHOTS}/activity-{language}.pdf")
    context.close()
