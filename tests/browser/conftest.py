"""Playwright driving Debian's Chromium at a phone-sized viewport against the live server."""

import os
import shutil

import pytest
from django.utils import timezone

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# between page actions are still synchronous, so Django's async-safety guard is lifted here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Chromium: the service worker's own requests go through the context's network too, so that
# cutting the network (context.set_offline) cuts it for the worker as it does on a phone.
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must run the browser tests")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def phone_context(browser, live_server, *, locale: str = "fr-FR", service_workers: str = "allow"):
    """A phone-sized browser context on the live server, its clock on the server's
    (service_workers="block": a browser without them)."""
    context = browser.new_context(**PHONE, base_url=live_server.url, locale=locale, service_workers=service_workers)
    # The page's clock starts where the server's does (the suite's travelled instant, see
    # tests/clock.py), then runs naturally, so dates the page computes agree with the server's.
    context.clock.install(time=timezone.now())
    return context


@pytest.fixture
def page(browser, live_server):
    context = phone_context(browser, live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def login(page, email: str, password: str) -> None:
    """Sign in through the real form."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def assert_no_sideways_scroll(page, width: int = 360) -> None:
    """The page fits a 360 px wide phone: nothing overflows horizontally."""
    page.set_viewport_size({"width": width, "height": 740})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {width}px"


# Every page a test opens reports what the Content-Security-Policy blocked, as a console error.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def csp_violations(messages: list) -> list[str]:
    return [m.text for m in messages if "CSP violation" in m.text or "Content Security Policy" in m.text]


@pytest.fixture(autouse=True)
def no_csp_violation(request):
    """Fails a browser test whose pages had a script, style or image blocked by the CSP."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    page.context.add_init_script(REPORT_CSP_VIOLATIONS)
    console = []
    page.on("console", lambda message: console.append(message))
    yield
    # A blocked script or style is a broken page even when the test's own checks passed.
    assert csp_violations(console) == []
