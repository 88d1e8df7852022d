"""The rows a long list repeats are Jinja2 partials (liens.jinja): they escape what they show,
say it in the reader's language, show moments in the association's time zone, and carry the
page's CSRF token, included in a Django page or rendered alone for the htmx swap."""

import datetime
import re
import zoneinfo

import pytest
from django.template import TemplateSyntaxError, engines
from django.urls import reverse
from django.utils import timezone, translation
from jinja2 import ChoiceLoader, DictLoader

from liens import jinja
from missions.models import IsolationAlert, Mission, Visit, VisitReport
from tests import factories
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

IN_PLACE = {"HTTP_HX_REQUEST": "true"}
SCRIPT = "<script>alert(1)</script>"


def test_a_row_escapes_what_it_shows_on_the_page_and_in_its_swap(association_a, coordinator_a_client):
    mission = factories.MissionFactory(association=association_a, status="open", title=f"Goûter {SCRIPT} d'été")
    page = coordinator_a_client.get(reverse("association:missions")).content.decode()
    swap = coordinator_a_client.post(reverse("association:mission-fill", args=[mission.pk]), **IN_PLACE)
    for html in (page, swap.content.decode()):
        assert SCRIPT not in html
        assert "Goûter &lt;script&gt;alert(1)&lt;/script&gt; d&#39;été" in html
    mission.refresh_from_db()
    assert mission.status == Mission.Status.FILLED


def test_a_row_speaks_the_reader_s_language(association_a, coordinator_a, coordinator_a_client):
    factories.MissionFactory(association=association_a, status="draft", volunteers_needed=2)
    url = reverse("association:missions")
    page = coordinator_a_client.get(url).content.decode()
    assert "0 bénévole(s) sur 2" in page and ">Clôturer</button>" in page
    coordinator_a.language = "en"
    coordinator_a.save(update_fields=["language"])
    page = coordinator_a_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "0 of 2 volunteers" in page and ">Close</button>" in page


def test_a_row_shows_a_moment_on_the_association_s_calendar(coordinator_a_client):
    # 23:30 UTC on 28 March is already 29 March in Paris.
    volunteer = factories.VolunteerFactory(postcode="69003", vetting_state=Volunteer.Vetting.PENDING, approved_at=None)
    Volunteer.objects.filter(pk=volunteer.pk).update(
        created_at=datetime.datetime(2026, 3, 28, 23, 30, tzinfo=datetime.UTC)
    )
    page = coordinator_a_client.get(reverse("association:vetting")).content.decode()
    row = page.split(f'id="volunteer-{volunteer.pk}"', 1)[1].split("</li>", 1)[0]
    assert "inscrit le 29 mars" in row and "28 mars" not in row


def test_every_form_of_a_page_carries_the_page_s_csrf_token_which_the_site_accepts(
    association_a, coordinator_a, coordinator_a_client
):
    coordinator_a_client.handler.enforce_csrf_checks = True
    for status in ("draft", "open", "filled"):
        factories.MissionFactory(association=association_a, status=status)
    page = coordinator_a_client.get(reverse("association:missions")).content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert len(tokens) >= 7 and len(set(tokens)) == 1  # a form per action, one masked token per page
    closed = Mission.objects.filter(association=association_a, status="open").get()
    response = coordinator_a_client.post(
        reverse("association:mission-close", args=[closed.pk]), {"csrfmiddlewaretoken": tokens[0]}
    )
    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.status == Mission.Status.CLOSED


def test_the_include_tag_takes_a_quoted_name_then_named_values():
    django = engines["django"]
    for source in (
        "{% load jinja %}{% include_jinja name %}",
        '{% load jinja %}{% include_jinja "x.html" m %}',
        '{% load jinja %}{% include_jinja "x.html" for m %}',
        '{% load jinja %}{% include_jinja "x.html" for m on rows %}',
        '{% load jinja %}{% include_jinja "x.html" for m in rows back %}',
    ):
        with pytest.raises(TemplateSyntaxError):
            django.from_string(source)


def test_the_include_tag_renders_a_partial_once_per_row_with_the_values_and_the_token(association_a):
    # A list's rows: the same as one include per row (the partial looked up once for the list).
    rows = [factories.MissionFactory(association=association_a, title=f"<b>{n}</b>") for n in range(3)]
    context = {"rows": rows, "back": "/here/", "csrf_token": "t0ken"}
    name = "missions/association/_mission_row.html"
    django = engines["django"]
    each = django.from_string(
        f'{{% load jinja %}}{{% for m in rows %}}{{% include_jinja "{name}" m=m back=back %}}{{% endfor %}}'
    )
    looped = django.from_string(f'{{% load jinja %}}{{% include_jinja "{name}" for m in rows back=back %}}')
    html = looped.render(context)
    assert html == each.render(context)
    assert html.count('class="card mission-row"') == 3 and "&lt;b&gt;2&lt;/b&gt;" in html
    assert html.count('value="t0ken"') == html.count("<form") > 0 and 'value="/here/"' in html
    assert django.from_string(f'{{% load jinja %}}{{% include_jinja "{name}" for m in nothing %}}').render({}) == ""


def test_the_partials_escape_whatever_the_backend_s_options_say():
    assert engines["jinja2"].env.autoescape is True
    assert engines["jinja2"].from_string("{{ v }}").render({"v": SCRIPT}) == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_a_visit_card_gives_the_visit_s_local_hours_and_its_report_s_length_in_the_reader_s_language(
    volunteer, volunteer_client
):
    # 13:00 to 14:30 UTC on 3 December is 14:00 to 15:30 in Paris.
    start = datetime.datetime(2026, 12, 3, 13, 0, tzinfo=datetime.UTC)
    visits = [
        factories.VisitFactory(match__volunteer=volunteer, starts_at=start - datetime.timedelta(days=7 * weeks))
        for weeks in (0, 1)
    ]
    for visit, minutes in zip(visits, (1, 45), strict=True):
        Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.DONE)
        VisitReport.objects.create(visit=visit, happened=True, mood=VisitReport.Mood.GOOD, duration_minutes=minutes)
    page = volunteer_client.get(reverse("volunteers:visits")).content.decode()
    assert "jeudi 3 décembre</strong> · 14:00–15:30" in page
    assert " 1 minute." in page and " 45 minutes." in page
    volunteer.user.language = "en"
    volunteer.user.save(update_fields=["language"])
    page = volunteer_client.get(reverse("volunteers:visits"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Thursday 3 December</strong> · 14:00–15:30" in page
    assert " 1 minute." in page and " 45 minutes." in page and "Reported: " in page


def test_an_alert_card_says_how_long_ago_and_to_whom_escaped_in_the_reader_s_language(
    association_a, coordinator_a, coordinator_a_client
):
    now = timezone.now()
    beneficiary_a = factories.BeneficiaryFactory(association=association_a)
    coordinator_a.first_name, coordinator_a.last_name = "Léa", SCRIPT
    coordinator_a.save(update_fields=["first_name", "last_name"])
    IsolationAlert.objects.create(
        beneficiary=beneficiary_a,
        association=beneficiary_a.association,
        kind=IsolationAlert.Kind.NO_CONTACT,
        severity=IsolationAlert.Severity.LATE,
        started_at=now - datetime.timedelta(days=2),
        raised_at=now - datetime.timedelta(days=2),
        escalate_after=now + datetime.timedelta(hours=20),
        assigned_to=coordinator_a,
    )
    page = coordinator_a_client.get(reverse("alerts:queue")).content.decode()
    assert "Levée il y a 2\xa0jours" in page
    assert "attribuée à Léa &lt;script&gt;alert(1)&lt;/script&gt;" in page and SCRIPT not in page
    coordinator_a.language = "en"
    coordinator_a.save(update_fields=["language"])
    page = coordinator_a_client.get(reverse("alerts:queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Raised 2\xa0days ago" in page and "assigned to Léa &lt;script&gt;" in page


def test_a_partial_renders_outside_a_request_with_no_csrf_input(association_a):
    person = factories.BeneficiaryFactory(association=association_a, first_name="Rose", last_name="Tellier")
    source = '{% load jinja %}{% include_jinja "missions/association/_beneficiary_row.html" b=b %}'
    for csrf_token in (None, "NOTPROVIDED"):
        html = engines["django"].from_string(source).render({"b": person, "csrf_token": csrf_token})
        assert f'id="beneficiary-{person.pk}"' in html and "Rose Tellier" in html
        assert "csrfmiddlewaretoken" not in html and "NOTPROVIDED" not in html


def test_a_moment_written_once_is_written_again_in_each_reader_s_language_and_zone():
    # The filters keep what they wrote (liens.jinja._formatted): never across languages or zones.
    moment = datetime.datetime(2026, 12, 7, 14, 30, tzinfo=datetime.UTC)
    written = {}
    for language in ("fr", "en"):
        for zone in ("Europe/Paris", "America/Cayenne"):
            with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
                for _ in range(2):  # the second time from what was kept
                    written.setdefault((language, zone), set()).add(
                        (jinja.date(moment, "l j F"), jinja.time(moment, "H:i"))
                    )
    assert written == {
        ("fr", "Europe/Paris"): {("lundi 7 décembre", "15:30")},
        ("fr", "America/Cayenne"): {("lundi 7 décembre", "11:30")},
        ("en", "Europe/Paris"): {("Monday 7 December", "15:30")},
        ("en", "America/Cayenne"): {("Monday 7 December", "11:30")},
    }
    assert jinja.date(None) == "" and jinja.date([moment]) == ""  # what Django's filter makes of them


def test_an_included_partial_writes_in_the_language_and_zone_active_when_it_starts(association_a, monkeypatch):
    # liens.jinja.bound_to_active: the strings, addresses and moments of every row, read once.
    mission = factories.MissionFactory(association=association_a, status="open", title="Goûter")
    moment = datetime.datetime(2026, 12, 7, 14, 30, tzinfo=datetime.UTC)
    env = engines["jinja2"].env
    probe = "{{ _('Visits') }}|{{ url('association:mission', m.pk) }}|{{ when|date('l j F') }}|{{ when|time('H:i') }};"
    monkeypatch.setattr(env, "loader", ChoiceLoader([DictLoader({"_probe.html": probe}), env.loader]))
    monkeypatch.setattr(env, "cache", {})
    source = (
        "{% load jinja %}{% include_jinja '_probe.html' for m in missions when=when %}"
        "{% include_jinja '_probe.html' m=m when=when %}"
    )
    written = {}
    for language, zone in (("fr", "Europe/Paris"), ("en", "America/Cayenne")):
        with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
            expected = (
                f"{translation.gettext('Visits')}|{reverse('association:mission', args=[mission.pk])}|"
                f"{jinja.date(moment, 'l j F')}|{jinja.time(moment, 'H:i')};"
            )
            context = {"missions": [mission] * 2, "m": mission, "when": moment}
            html = engines["django"].from_string(source).render(context)
            assert html == expected * 3
            written[language] = html
    assert written["fr"].startswith("Visites|") and "|lundi 7 décembre|15:30;" in written["fr"]
    assert written["en"].startswith("Visits|") and "|Monday 7 December|11:30;" in written["en"]
    with translation.override(None):  # deactivated: each call asks Django as it goes
        assert jinja.bound_to_active() == {}
