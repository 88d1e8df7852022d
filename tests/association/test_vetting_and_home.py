"""The vetting desk and the association home."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from missions.models import IsolationAlert, Mission, Visit
from tests import factories, queries
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def _pending(postcode="69003", **extra):
    return factories.VolunteerFactory(
        postcode=postcode, vetting_state=Volunteer.Vetting.PENDING, approved_at=None, **extra
    )


def test_the_desk_lists_pending_volunteers_of_the_departement_and_those_matched_with_us(
    coordinator_a_client, mission_a
):
    near = _pending("69100", user=factories.UserFactory(first_name="Near", last_name="One"))
    far = _pending("13001", user=factories.UserFactory(first_name="Far", last_name="Away"))
    matched = _pending("75011", user=factories.UserFactory(first_name="Matched", last_name="Paris"))
    factories.MatchFactory(volunteer=matched, mission=mission_a, status="proposed")
    approved = factories.VolunteerFactory(postcode="69004", user=factories.UserFactory(first_name="Done"))
    page = coordinator_a_client.get(reverse("association:vetting")).content.decode()
    assert f"volunteer-{near.pk}" in page and f"volunteer-{matched.pk}" in page
    assert f"volunteer-{far.pk}" not in page and f"volunteer-{approved.pk}" not in page


def test_one_tap_records_a_step_and_the_last_one_approves(coordinator_a, coordinator_a_client):
    volunteer = _pending(interview_on=timezone.localdate(), training_on=timezone.localdate())
    url = reverse("association:vetting-record", args=[volunteer.pk])
    response = coordinator_a_client.post(url, {"step": "background_check"}, follow=True)
    volunteer.refresh_from_db()
    assert volunteer.background_check_on == timezone.localdate()
    assert volunteer.background_check_by == coordinator_a
    assert volunteer.vetting_state == Volunteer.Vetting.APPROVED
    assert "approuvé" in response.content.decode()


def test_a_volunteer_outside_the_desk_answers_404(coordinator_a_client):
    far = _pending("13001")
    response = coordinator_a_client.post(reverse("association:vetting-record", args=[far.pk]), {"step": "interview"})
    assert response.status_code == 404
    far.refresh_from_db()
    assert far.interview_on is None


def test_the_home_counts_what_needs_attention_today(
    association_a, mission_a, far_volunteer_matched_a, coordinator_a_client, django_assert_max_num_queries
):
    beneficiary = mission_a.beneficiary
    IsolationAlert.objects.create(
        beneficiary=beneficiary,
        association=association_a,
        kind="no_contact",
        severity=2,
        started_at=timezone.now(),
        raised_at=timezone.now(),
    )
    factories.MissionFactory(beneficiary=beneficiary, status=Mission.Status.DRAFT)
    match = mission_a.matches.get()
    past = timezone.now() - datetime.timedelta(days=1)
    factories.VisitFactory(match=match, starts_at=past - datetime.timedelta(hours=2), ends_at=past)
    factories.VisitFactory(
        match=match,
        status=Visit.Status.UNCONFIRMED,
        starts_at=past - datetime.timedelta(days=7),
        ends_at=past - datetime.timedelta(days=7) + datetime.timedelta(hours=1),
    )
    _pending("69001")
    factories.BeneficiaryFactory(association=association_a, status="intake", consent_by="", consent_on=None)
    # Another association's rows never count.
    factories.MissionFactory(beneficiary=factories.BeneficiaryFactory(association=factories.AssociationFactory()))
    # 10: the referrals waiting (missions.referrals.selectors.referral_counts_reading) are one more; the
    # visits without a report are counted by the query that lists the oldest of them; the user's
    # memberships, volunteer profile and associations are one query (liens.accounts.policy); the
    # session is one more without Redis (tests.queries).
    with django_assert_max_num_queries(10 + queries.SESSION) as first:
        response = coordinator_a_client.get(reverse("association:home"))
    attention = response.context["attention"]
    assert attention.open_alerts == 1
    assert attention.unfilled_missions == 1 and attention.draft_missions == 1
    assert attention.visits_without_report == 2
    assert attention.volunteers_waiting == 1
    assert attention.beneficiaries_in_intake == 1
    page = response.content.decode()
    assert 'id="count-unfilled">1<' in page
    # Ten times the rows, the same number of queries.
    for _ in range(5):
        factories.MissionFactory(beneficiary=beneficiary)
        _pending("69002")
    with django_assert_max_num_queries(len(first.captured_queries)):
        coordinator_a_client.get(reverse("association:home"))


def test_volunteers_and_strangers_get_no_association_home(volunteer_client, anonymous_client):
    assert volunteer_client.get(reverse("association:home")).status_code == 404
    assert anonymous_client.get(reverse("association:home")).status_code == 302


def test_staff_of_two_associations_switch_between_them(coordinator_a, coordinator_a_client, association_b):
    factories.MembershipFactory(user=coordinator_a, association=association_b)
    coordinator_a_client.post(reverse("association:switch"), {"association": association_b.pk})
    assert coordinator_a_client.get(reverse("association:home")).context["association"] == association_b


def test_the_home_offers_the_switch_only_to_staff_of_more_than_one_association(
    coordinator_a, coordinator_a_client, association_a, association_b
):
    assert coordinator_a_client.get(reverse("association:home")).context["my_associations"] == []
    factories.MembershipFactory(user=coordinator_a, association=association_b)
    response = coordinator_a_client.get(reverse("association:home"))
    assert {a.pk for a in response.context["my_associations"]} == {association_a.pk, association_b.pk}
    assert f'<option value="{association_b.pk}"' in response.content.decode()


def test_an_outsider_cannot_switch_into_another_association(coordinator_b_client, association_a):
    response = coordinator_b_client.post(reverse("association:switch"), {"association": association_a.pk})
    assert response.status_code == 404
    response = coordinator_b_client.get(reverse("association:home"), {"association": association_a.pk})
    assert response.status_code == 404


def test_the_desk_keeps_its_query_count(coordinator_a_client, django_assert_max_num_queries):
    _pending("69001")
    url = reverse("association:vetting")
    # The user, their memberships with the association, the page of volunteers with the list's total
    # (liens.lib.pages.list_page: no COUNT query of its own) and their vetting records.
    with django_assert_max_num_queries(4 + queries.SESSION) as few:
        coordinator_a_client.get(url)
    for _ in range(10):
        _pending("69002")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert coordinator_a_client.get(url).status_code == 200


def test_an_association_awaiting_validation_shows_nothing_about_vetting(association_a, coordinator_a_client):
    vetting = reverse("association:vetting")
    assert vetting in coordinator_a_client.get(reverse("association:home")).content.decode()
    association_a.validated_at = None
    association_a.save(update_fields=["validated_at"])
    page = coordinator_a_client.get(reverse("association:home")).content.decode()
    assert vetting not in page and "volunteers waiting for vetting" not in page
    assert reverse("association:join-pending") in page
