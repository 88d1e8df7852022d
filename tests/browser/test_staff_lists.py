"""A coordinator works down the vetting desk on a phone: each tap records a step in place,
where the thumb is, and the filters narrow the list without losing the page."""

import pytest

from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, login
from volunteers.models import Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pending(first_name: str, last_name: str) -> Volunteer:
    return factories.VolunteerFactory(
        postcode="69003",
        vetting_state=Volunteer.Vetting.PENDING,
        approved_at=None,
        user=factories.UserFactory(first_name=first_name, last_name=last_name),
    )


def test_a_vetting_step_is_recorded_in_place_without_going_back_to_the_top(page, coordinator_a):
    volunteers = [_pending(f"Bénévole{n}", f"Nom{n}") for n in range(8)]
    last = volunteers[-1]
    login(page, coordinator_a.email, factories.PASSWORD)
    page.goto("/association/vetting/")
    assert_no_sideways_scroll(page)
    row = page.locator(f"#volunteer-{last.pk}")
    button = row.get_by_role("button", name="Formation des bénévoles : fait aujourd’hui")
    button.scroll_into_view_if_needed()
    scrolled = page.evaluate("() => window.scrollY")
    assert scrolled > 0
    marker = page.evaluate("() => { window.stillHere = true; return true; }")
    button.click()
    row.locator(".row-status").wait_for()
    assert "Formation des bénévoles enregistré" in row.inner_text()
    # The step's news has the focus, so a screen reader says it where the thumb is.
    assert page.evaluate("() => document.activeElement.classList.contains('row-status')")
    assert page.evaluate("() => window.stillHere === true") and marker  # no page load
    assert page.evaluate("() => window.scrollY") > 0
    last.refresh_from_db()
    assert last.training_on is not None

    page.fill("#q", "Nom3")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**/association/vetting/?q=Nom3*")
    assert page.locator(".vetting-row").count() == 1
    assert page.evaluate("() => window.stillHere === true")
    # No copy of the staff's pages is kept in the browser's storage (they name people).
    assert page.evaluate("() => window.localStorage.length") == 0
    page.go_back()  # not in any cache: the whole list comes again from the server
    page.wait_for_function("() => document.querySelectorAll('.vetting-row').length === 8")
    assert page.url.endswith("/association/vetting/") and page.locator("#q").input_value() == ""
