"""The review queue and an alert's page: scoped, ordered, filtered, and every action a POST."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from liens.models import SensitiveAccess
from missions.alerts.sweep import isolation_sweep
from missions.models import AlertEvent, Contact, IsolationAlert, KeyContact
from tests import factories, queries
from tests.alerts.conftest import followed

pytestmark = pytest.mark.django_db

Severity = IsolationAlert.Severity


def _alert(beneficiary, *, kind=IsolationAlert.Kind.NO_CONTACT, severity=Severity.LATE, hours_ago=1, **extra):
    now = timezone.now()
    values = {
        "started_at": now - datetime.timedelta(hours=hours_ago),
        "raised_at": now - datetime.timedelta(hours=hours_ago),
        "escalate_after": now + datetime.timedelta(hours=20),
    }
    return IsolationAlert.objects.create(
        beneficiary=beneficiary, association=beneficiary.association, kind=kind, severity=severity, **(values | extra)
    )


@pytest.fixture
def alert_a(follow):
    follow(days_silent=12)
    isolation_sweep()
    return IsolationAlert.objects.get()


def _titles(response) -> list[int]:
    return [alert.pk for alert in response.context["alerts"]]


def test_the_queue_shows_the_most_severe_then_the_oldest_first(follow, coordinator_a_client):
    late_old = _alert(follow(), severity=Severity.LATE, hours_ago=50)
    critical_new = _alert(follow(), severity=Severity.CRITICAL, hours_ago=1)
    critical_old = _alert(follow(), severity=Severity.CRITICAL, hours_ago=30)
    urgent = _alert(follow(), kind=IsolationAlert.Kind.URGENT_CONCERN, severity=Severity.URGENT, hours_ago=2)
    response = coordinator_a_client.get(reverse("alerts:queue"))
    assert response.status_code == 200
    assert _titles(response) == [urgent.pk, critical_old.pk, critical_new.pk, late_old.pk]


def test_the_queue_filters_by_kind_severity_state_and_assignee(follow, coordinator_a, coordinator_a_client):
    colleague = factories.MembershipFactory(association=coordinator_a.memberships.get().association).user
    mine = _alert(follow(), severity=Severity.OVERDUE, assigned_to=coordinator_a, acknowledged_at=timezone.now())
    theirs = _alert(follow(), severity=Severity.LATE, assigned_to=colleague)
    urgent = _alert(follow(), kind=IsolationAlert.Kind.URGENT_CONCERN, severity=Severity.URGENT)
    done = _alert(follow(), severity=Severity.LATE, resolved_at=timezone.now(), escalate_after=None)
    url = reverse("alerts:queue")

    assert _titles(coordinator_a_client.get(url, {"kind": "urgent_concern"})) == [urgent.pk]
    assert _titles(coordinator_a_client.get(url, {"severity": "2"})) == [mine.pk]
    assert _titles(coordinator_a_client.get(url, {"state": "acknowledged"})) == [mine.pk]
    assert _titles(coordinator_a_client.get(url, {"state": "open"})) == [urgent.pk, theirs.pk]
    assert _titles(coordinator_a_client.get(url, {"state": "resolved"})) == [done.pk]
    assert _titles(coordinator_a_client.get(url, {"assignee": "me"})) == [mine.pk]
    assert _titles(coordinator_a_client.get(url, {"assignee": str(colleague.pk)})) == [theirs.pk]
    assert _titles(coordinator_a_client.get(url, {"assignee": "none"})) == [urgent.pk]
    # A filter that makes no sense is ignored, not a 500.
    assert coordinator_a_client.get(url, {"severity": "banana"}).status_code == 200


def test_the_queue_does_a_constant_number_of_queries(follow, coordinator_a_client, django_assert_max_num_queries):
    for _ in range(3):
        _alert(follow())
    # The user, their memberships, the page with its total, the assignee filter's colleagues.
    with django_assert_max_num_queries(4 + queries.SESSION) as few:
        coordinator_a_client.get(reverse("alerts:queue"))
    for _ in range(12):
        _alert(follow(), severity=Severity.OVERDUE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = coordinator_a_client.get(reverse("alerts:queue"))
    assert len(response.context["alerts"]) == 15


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(
    "data", [None, {"severity": "2", "assignee": "me"}, {"kind": "nope", "severity": "banana", "state": "open"}]
)
def test_the_filter_form_renders_as_django_s_own_templates_would(coordinator_a, language, data):
    """The queue's form has templates of its own, for speed: the same HTML as Django's."""
    from django import forms
    from django.utils import translation

    from missions.alerts.forms import QueueFilterForm
    from missions.alerts.selectors import staff_colleagues

    colleagues = staff_colleagues(user=coordinator_a)
    with translation.override(language):
        ours = QueueFilterForm(data, colleagues=colleagues)
        django_s = QueueFilterForm(data, colleagues=colleagues)
        for field in django_s.fields.values():
            field.widget = forms.Select(choices=field.choices)  # Django's own, with its templates
        expected = django_s.render(django_s.renderer.form_template_name)
        assert str(ours) == expected
    assert "<option" in expected and ("errorlist" in expected) == (data is not None and "kind" in data)


def test_each_state_and_kind_of_the_queue_reads_what_alert_queue_defines_and_only_its_association_s(
    follow, association_b, coordinator_a, coordinator_b, coordinator_a_client, coordinator_b_client
):
    # Opened as staff do, and by state and kind, the queue's cards come from a query compiled
    # once per filter (selectors.alert_queue_rows); alert_queue stays the definition.
    from missions.alerts.selectors import alert_queue

    for association in (None, association_b):
        more = {} if association is None else {"association": association}
        _alert(follow(**more), severity=Severity.CRITICAL, hours_ago=30)
        _alert(follow(**more), acknowledged_at=timezone.now(), hours_ago=5)
        _alert(follow(**more), kind=IsolationAlert.Kind.URGENT_CONCERN, severity=Severity.URGENT)
        _alert(follow(**more), resolved_at=timezone.now(), escalate_after=None)
    url = reverse("alerts:queue")
    for state in ("", "open", "acknowledged", "resolved"):
        for kind in ("", IsolationAlert.Kind.NO_CONTACT, IsolationAlert.Kind.URGENT_CONCERN):
            params = {"state": state, "kind": kind}
            for user, client in ((coordinator_a, coordinator_a_client), (coordinator_b, coordinator_b_client)):
                expected = [alert.pk for alert in alert_queue(user=user, state=state, kind=kind)]
                assert _titles(client.get(url, params)) == expected, (user.email, params)
                assert expected or (state, kind) != ("", "")


def test_coordinators_see_their_association_and_admins_see_all(
    follow, association_b, coordinator_b_client, admin_client_
):
    mine = _alert(follow())
    theirs = _alert(followed(association_b, days_silent=1))
    assert _titles(coordinator_b_client.get(reverse("alerts:queue"))) == [theirs.pk]
    assert set(_titles(admin_client_.get(reverse("alerts:queue")))) == {mine.pk, theirs.pk}


def test_an_outsider_coordinator_gets_404_on_every_alert_page(alert_a, coordinator_b_client):
    for name in ("detail", "acknowledge", "assign", "note", "call", "refer", "resolve"):
        url = reverse(f"alerts:{name}", args=[alert_a.pk])
        method = coordinator_b_client.get if name == "detail" else coordinator_b_client.post
        assert method(url, {"note": "x", "reason": "x", "reached": "yes"}).status_code == 404, name
    alert_a.refresh_from_db()
    assert alert_a.acknowledged_at is None
    assert not alert_a.events.exists()


def test_volunteers_and_strangers_cannot_reach_the_queue(volunteer_client, anonymous_client):
    assert volunteer_client.get(reverse("alerts:queue")).status_code == 404
    assert volunteer_client.get(reverse("alerts:dashboard")).status_code == 404
    assert anonymous_client.get(reverse("alerts:queue")).status_code == 302


def test_the_alert_page_shows_the_file_and_logs_who_saw_the_phone(alert_a, coordinator_a, coordinator_a_client):
    beneficiary = alert_a.beneficiary
    KeyContact.objects.create(
        beneficiary=beneficiary, kind=KeyContact.Kind.FAMILY, name="Sophie", phone="06 01 02 03 04"
    )
    response = coordinator_a_client.get(reverse("alerts:detail", args=[alert_a.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert beneficiary.phone in html
    assert "Sophie" in html
    assert len(response.context["file"].contacts) == 1
    access = SensitiveAccess.objects.get()
    assert (access.user, access.subject) == (coordinator_a, f"beneficiary:{beneficiary.pk}")


def test_assigning_acknowledges_and_only_staff_of_the_association_can_be_chosen(
    alert_a, coordinator_a, coordinator_a_client, coordinator_b
):
    colleague = factories.MembershipFactory(association=alert_a.association).user
    url = reverse("alerts:assign", args=[alert_a.pk])
    refused = coordinator_a_client.post(url, {"assignee": coordinator_b.pk})
    assert refused.status_code == 400
    assert refused.context["assign_form"].errors["assignee"]

    response = coordinator_a_client.post(url, {"assignee": colleague.pk})
    assert response.status_code == 302
    alert_a.refresh_from_db()
    assert alert_a.assigned_to == colleague
    assert alert_a.acknowledged_by == coordinator_a
    assert alert_a.escalate_after is None
    kinds = list(alert_a.events.values_list("kind", "author"))
    assert kinds == [(AlertEvent.Kind.ACKNOWLEDGED, coordinator_a.pk), (AlertEvent.Kind.ASSIGNED, coordinator_a.pk)]


def test_logging_a_call_that_reached_the_person_resolves_a_no_contact_alert(
    alert_a, coordinator_a, coordinator_a_client
):
    response = coordinator_a_client.post(
        reverse("alerts:call", args=[alert_a.pk]), {"reached": "yes", "note": "Tout va bien, sa fille était là."}
    )
    assert response.status_code == 302
    alert_a.refresh_from_db()
    assert alert_a.resolved_at is not None
    contact = Contact.objects.get(kind=Contact.Kind.STAFF_CALL)
    assert contact.recorded_by == coordinator_a
    alert_a.beneficiary.refresh_from_db()
    assert alert_a.beneficiary.last_contact_at == contact.occurred_at
    assert list(alert_a.events.values_list("kind", flat=True)) == ["acknowledged", "call", "resolved"]


def test_a_call_with_no_answer_is_logged_but_is_not_a_contact(alert_a, coordinator_a_client):
    coordinator_a_client.post(reverse("alerts:call", args=[alert_a.pk]), {"reached": "no"})
    alert_a.refresh_from_db()
    assert alert_a.resolved_at is None
    assert alert_a.acknowledged_at is not None
    assert not Contact.objects.filter(kind=Contact.Kind.STAFF_CALL).exists()
    assert alert_a.events.get(kind="call").data == {"reached": False}


def test_referring_records_the_service_with_who_and_when(alert_a, coordinator_a, coordinator_a_client):
    coordinator_a_client.post(
        reverse("alerts:refer", args=[alert_a.pk]), {"service": "ccas", "note": "Mme Blanc, CCAS Lyon 4e"}
    )
    event = alert_a.events.get(kind=AlertEvent.Kind.REFERRED)
    assert (event.author, event.data, event.note) == (coordinator_a, {"service": "ccas"}, "Mme Blanc, CCAS Lyon 4e")
    assert event.at is not None
    refused = coordinator_a_client.post(reverse("alerts:refer", args=[alert_a.pk]), {"service": "other", "note": ""})
    assert refused.status_code == 400
    assert refused.context["refer_form"].errors["note"]


def test_resolving_needs_a_reason_and_keeps_what_was_typed(alert_a, coordinator_a, coordinator_a_client):
    url = reverse("alerts:resolve", args=[alert_a.pk])
    refused = coordinator_a_client.post(url, {"reason": "   "})
    assert refused.status_code == 400
    assert refused.context["resolve_form"].errors["reason"]
    too_long = coordinator_a_client.post(url, {"reason": "x" * 250})
    assert too_long.status_code == 400
    assert too_long.context["resolve_form"]["reason"].value() == "x" * 250

    coordinator_a_client.post(url, {"reason": "Sa fille passe tous les jours."})
    alert_a.refresh_from_db()
    assert alert_a.resolution == "Sa fille passe tous les jours."
    assert alert_a.resolved_by == coordinator_a
    # The person's clock restarts now: looked at again after a full target + grace.
    alert_a.beneficiary.refresh_from_db()
    assert alert_a.beneficiary.alert_after > timezone.now() + datetime.timedelta(days=8)
    # A resolved alert takes no more actions.
    again = coordinator_a_client.post(reverse("alerts:note", args=[alert_a.pk]), {"note": "encore"})
    assert again.status_code == 400


def test_notes_and_acknowledgement_are_events_with_author(alert_a, coordinator_a, coordinator_a_client):
    coordinator_a_client.post(reverse("alerts:acknowledge", args=[alert_a.pk]))
    coordinator_a_client.post(reverse("alerts:acknowledge", args=[alert_a.pk]))
    coordinator_a_client.post(reverse("alerts:note", args=[alert_a.pk]), {"note": "Rappeler demain matin."})
    events = list(alert_a.events.values_list("kind", "author", "note"))
    assert events == [("acknowledged", coordinator_a.pk, ""), ("note", coordinator_a.pk, "Rappeler demain matin.")]


def test_the_numbers_page_renders_with_the_chart(alert_a, coordinator_a_client, admin_client_):
    response = coordinator_a_client.get(reverse("alerts:dashboard"))
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
    assert response.context["numbers"].counts["late"] == 1
    assert admin_client_.get(reverse("alerts:dashboard")).status_code == 200


def test_the_numbers_page_does_a_constant_number_of_queries(
    follow, coordinator_a_client, django_assert_max_num_queries
):
    from django.db import connection

    for days in (1, 12):
        follow(days_silent=days)
    # The user and their memberships, the open alerts, and the figures (one statement on
    # PostgreSQL, three aggregates elsewhere).
    with django_assert_max_num_queries((4 if connection.vendor == "postgresql" else 6) + queries.SESSION):
        coordinator_a_client.get(reverse("alerts:dashboard"))
    for days in range(20):
        follow(days_silent=days)
    with django_assert_max_num_queries((4 if connection.vendor == "postgresql" else 6) + queries.SESSION):
        response = coordinator_a_client.get(reverse("alerts:dashboard"))
    assert response.context["numbers"].active == 22


def test_the_alert_page_does_a_constant_number_of_queries(
    alert_a, coordinator_a, coordinator_a_client, django_assert_max_num_queries
):
    url = reverse("alerts:detail", args=[alert_a.pk])
    with django_assert_max_num_queries(24) as few:
        coordinator_a_client.get(url)
    for index in range(6):
        factories.MembershipFactory(association=alert_a.association)
        KeyContact.objects.create(beneficiary=alert_a.beneficiary, kind=KeyContact.Kind.FAMILY, name=f"Proche {index}")
        AlertEvent.objects.create(alert=alert_a, kind=AlertEvent.Kind.NOTE, at=timezone.now(), author=coordinator_a)
        Contact.objects.create(beneficiary=alert_a.beneficiary, kind=Contact.Kind.CALL, occurred_at=timezone.now())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = coordinator_a_client.get(url)
    assert len(response.context["file"].events) == 7
