"""The Content-Security-Policy in a real browser: the site and the API docs run under it."""

import pytest

from tests.browser.conftest import PHONE, REPORT_CSP_VIOLATIONS, csp_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_under_their_policy(page):
    page.goto("/api/docs/")
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Liens API")
    page.locator(".opblock-tag").first.wait_for()
    # The fixture fails the test on any CSP violation reported in the console.


def test_a_script_injected_into_a_page_is_blocked_and_reported(browser, live_server):
    # Proves the console check of every browser test can see a violation at all.
    context = browser.new_context(**PHONE, base_url=live_server.url)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message))
    page.goto("/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "document.body.dataset.injected = 'yes'";
          document.body.appendChild(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("document.body.dataset.injected") is None
    assert csp_violations(console)
    context.close()
