"""Every page each demo persona can reach by following links works on a 360 px phone.

Over the demo territory, each persona (a visitor, a volunteer, a coordinator, a manager, a
platform admin) follows every same-site link from the home page, a bounded number of pages per
URL pattern, and every page must: answer without a server error; sit in the site's layout
(header and main landmarks); not scroll sideways; offer no tappable thing smaller than 24x24 px
(WCAG 2.5.8; a link inside running text is exempt); have no serious or critical axe-core finding;
have nothing blocked by the Content-Security-Policy. All findings are listed at once.

axe-core is the copy shipped inside the `axe-playwright-python` package (requirements-dev.txt),
read from disk: the test needs no network.
"""

import io
import os
import re
from collections import Counter
from importlib import resources
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from liens.models import User
from seeds.territory import DEMO_PASSWORD
from tests import factories
from tests.browser.conftest import REPORT_CSP_VIOLATIONS, csp_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 360, "height": 740}
# Pages of one URL pattern (ids replaced by <id>, query values dropped) share their template.
PAGES_PER_PATTERN = 1
PAGES_PER_PERSONA = 60
# Not pages: signing out, downloads, the Django admin, the API and its schema, static files.
SKIPPED_PATHS = re.compile(
    r"^/(?:accounts/logout|i18n/|api/|static/|media/|favicon\.ico|" + re.escape(settings.ADMIN_URL) + r")"
    r"|\.(?:csv|ics|pdf|json|zip)$|/export|/download"
)
PERSONAS = {
    "anonymous": None,
    "volunteer": "benevole@exemple.fr",
    "coordinator": "coordination@exemple.fr",
    "manager": "direction@exemple.fr",
    "platform admin": "admin@exemple.fr",
}
SERIOUS = {"serious", "critical"}
MISSING_PAGE = "/cette-page-n-existe-pas/"

# Runs in the page: what a phone user would trip over. Returns a list of findings.
PAGE_CHECKS = r"""
() => {
  const findings = [];
  const width = window.innerWidth;
  const scroll = document.scrollingElement.scrollWidth;
  if (scroll > width) findings.push(`scrolls sideways: ${scroll}px wide in a ${width}px viewport`);
  if (!document.querySelector("header") || !document.querySelector("main")) {
    findings.push("not in the site's layout (no header or main landmark)");
  }
  const describe = (el) => {
    const name = el.innerText || el.value || el.getAttribute("aria-label") || el.name || "";
    const text = name.trim().replace(/\s+/g, " ");
    const id = el.id ? `#${el.id}` : "";
    const cls = el.classList.length ? "." + [...el.classList].join(".") : "";
    return `<${el.tagName.toLowerCase()}${id}${cls}> "${text.slice(0, 40)}"`;
  };
  const isBlock = (el) => !getComputedStyle(el).display.startsWith("inline");
  // A link inside a sentence: its nearest block holds other text than the link's own.
  const inRunningText = (el) => {
    if (el.tagName !== "A") return false;
    let block = el.parentElement;
    while (block && !isBlock(block)) block = block.parentElement;
    if (!block) return false;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!el.contains(node) && node.textContent.trim()) return true;
    }
    return false;
  };
  const hidden = (el, rect) => {
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return true;
    if (rect.width <= 1 || rect.height <= 1) return true; // visually hidden, its label is the target
    if (rect.right <= 0 || rect.bottom <= 0) return true; // off-screen until focused (skip link)
    return false;
  };
  const targets = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, label"
  );
  for (const el of targets) {
    if (el.tagName === "LABEL" && !el.control) continue;
    const rect = el.getBoundingClientRect();
    if (hidden(el, rect)) continue;
    if (rect.width >= 24 && rect.height >= 24) continue;
    if (inRunningText(el)) continue;
    findings.push(`tap target ${Math.round(rect.width)}x${Math.round(rect.height)}px: ${describe(el)}`);
  }
  return findings;
}
"""

AXE_RUN = """
async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}
"""


def axe_script() -> str:
    try:
        return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        if os.environ.get("CI"):
            pytest.fail("axe-playwright-python is missing: pip install -r requirements-dev.txt")
        pytest.skip("axe-playwright-python is not installed (pip install -r requirements-dev.txt)")


def pattern_of(path: str, query: str) -> str:
    """Pages that differ only by ids or query values share a pattern."""
    keys = sorted(part.split("=", 1)[0] for part in query.split("&") if part)
    return re.sub(r"/\d+(?=/|$)", "/<id>", path) + ("?" + "&".join(keys) if keys else "")


def sign_in(page, email: str, secret: str | None) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    if secret is not None:
        page.fill("input[name=code]", factories.totp_code(secret))
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, f"{email} could not sign in"


def crawl(page, origin: str, axe: str) -> list[str]:
    """Follows every same-site link breadth first from the home page; returns the findings."""
    findings: list[str] = []
    seen: set[str] = set()
    per_pattern: Counter = Counter()
    queue = ["/", MISSING_PAGE]
    console: list = []
    page.on("console", lambda message: console.append(message))
    while queue and len(seen) < PAGES_PER_PERSONA:
        target = queue.pop(0)
        if target in seen:
            continue
        seen.add(target)
        console.clear()
        response = page.goto(target)
        status = response.status if response else 0
        where = target
        if status >= 500:
            findings.append(f"{where}: server error {status}")
            continue
        if target == MISSING_PAGE:
            if status != 404:
                findings.append(f"{where}: answered {status}, not 404")
        elif status >= 400:
            findings.append(f"{where}: a link leads to a {status}")
        findings += [f"{where}: {finding}" for finding in page.evaluate(PAGE_CHECKS)]
        page.evaluate(axe)
        for violation in page.evaluate(AXE_RUN):
            if violation["impact"] in SERIOUS:
                findings.append(
                    f"{where}: axe {violation['impact']} {violation['id']} ({violation['help']}) at "
                    + ", ".join(violation["nodes"])
                )
        findings += [f"{where}: {message}" for message in csp_violations(console)]
        for href in page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.href)"):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != origin or SKIPPED_PATHS.search(parts.path):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link in seen or link in queue:
                continue
            pattern = pattern_of(parts.path, parts.query)
            if per_pattern[pattern] >= PAGES_PER_PATTERN:
                continue
            per_pattern[pattern] += 1
            queue.append(link)
    print(f"crawled {len(seen)} pages")
    return findings


def test_every_page_each_persona_reaches_works_on_a_phone(browser, live_server):
    # One test for every persona: the demo territory is loaded once (about 10 s).
    call_command("seed_demo", stdout=io.StringIO())
    # The demo's manager and platform admin must sign in with an authenticator app.
    secrets = {
        email: factories.totp_enroll(User.objects.get(email=email))
        for email in ("direction@exemple.fr", "admin@exemple.fr")
    }
    axe = axe_script()
    findings = []
    for persona, email in PERSONAS.items():
        context = browser.new_context(
            viewport=VIEWPORT, has_touch=True, is_mobile=True, base_url=live_server.url, locale="fr-FR"
        )
        context.clock.install(time=timezone.now())
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            if email is not None:
                sign_in(page, email, secrets.get(email))
            findings += [f"{persona} · {finding}" for finding in crawl(page, live_server.url, axe)]
        finally:
            context.close()
    assert findings == [], f"{len(findings)} finding(s):\n" + "\n".join(findings)
