import datetime
import subprocess

import pytest
from allauth.account.models import EmailAddress

from missions.liensocial.services import plan_create, session_record
from missions.models import Association, Membership
from tests import factories
from tests.browser.conftest import login, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = "/work/shots/liensocial"


def test_shots(browser, live_server, association_a, coordinator_a):
    service = factories.AssociationFactory(name="Aide et Présence Lyon", kind=Association.Kind.HOME_CARE)
    pro = factories.UserFactory(email="pro@exemple.fr", first_name="Lucie")
    mgr = factories.UserFactory(email="mgr@exemple.fr", first_name="Karima")
    for user, role in ((pro, Membership.Role.PROFESSIONAL), (mgr, Membership.Role.MANAGER)):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        factories.MembershipFactory(user=user, association=service, role=role, mfa=False)
    plans = []
    for first, last, hours in (("Germaine", "Vial", 6), ("Lucien", "Perret", 4), ("Odette", "Marchand", 9)):
        person = factories.BeneficiaryFactory(association=association_a, first_name=first, last_name=last, access_notes="Code 4B12, 2e étage")
        plans.append(plan_create(beneficiary=person, service=service, hours_per_month=hours, starts_on=datetime.date(2026, 10, 1), by=coordinator_a))
    tz = datetime.timezone(datetime.timedelta(hours=1))
    for plan, day, minutes, act in ((plans[0], 3, 90, "games"), (plans[0], 10, 90, "conversation"), (plans[1], 5, 60, "outing"), (plans[2], 12, 120, "creative"), (plans[0], 17, 60, "wellbeing")):
        session_record(plan=plan, professional=pro, starts_at=datetime.datetime(2026, 11, day, 14, tzinfo=tz), duration_minutes=minutes, activity=act, mood="ok")
    for lang in ("fr", "en"):
        for user in (pro, mgr, coordinator_a):
            user.language = lang
            user.save(update_fields=["language"])
        for width in (360, 390):
            context = phone_context(browser, live_server, locale="fr-FR" if lang == "fr" else "en-GB")
            page = context.new_page()
            page.set_viewport_size({"width": width, "height": 844})
            login(page, pro.email, factories.PASSWORD)
            page.goto("/lien-social/")
            page.screenshot(path=f"{OUT}/pro-home-{lang}-{width}.png", full_page=True)
            page.goto(f"/lien-social/plans/{plans[0].pk}/session/")
            page.screenshot(path=f"{OUT}/session-form-{lang}-{width}.png", full_page=True)
            context.close()
            context = phone_context(browser, live_server, locale="fr-FR" if lang == "fr" else "en-GB")
            page = context.new_page()
            page.set_viewport_size({"width": width, "height": 844})
            login(page, mgr.email, factories.PASSWORD)
            page.goto("/lien-social/service/")
            page.screenshot(path=f"{OUT}/manager-home-{lang}-{width}.png", full_page=True)
            if width == 390:
                response = page.request.get("/lien-social/service/statement/2026-11.pdf")
                open(f"{OUT}/statement-{lang}.pdf", "wb").write(response.body())
                subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", f"{OUT}/statement-{lang}.pdf", f"{OUT}/statement-{lang}"], check=False)
            context.close()
            context = phone_context(browser, live_server, locale="fr-FR" if lang == "fr" else "en-GB")
            page = context.new_page()
            page.set_viewport_size({"width": width, "height": 844})
            login(page, coordinator_a.email, factories.PASSWORD)
            page.goto(f"/association/beneficiaries/{plans[0].beneficiary_id}/")
            page.locator("#section-lien-social").screenshot(path=f"{OUT}/person-plan-{lang}-{width}.png")
            context.close()
