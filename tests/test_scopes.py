"""Tenant scope by construction (liens.scopes, missions.scoping).

Inside a request, a staff page or staff API sees its associations' rows even where a query
forgets `scoped()`; a view that chooses no scope raises instead of answering; the escape is
explicit and says why; outside requests (tasks, commands, services called directly) nothing
changes. The views below are test-only, served by this module's URL conf (the site's own URLs
plus them), so they go through the whole middleware stack like any page.
"""

import io

import pytest
from django.core.management import call_command
from django.http import JsonResponse
from django.urls import include, path, reverse
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.celery import AfterCommitTask, app
from liens.errors import DomainError
from liens.scopes import ScopeError, scope_active, scope_current, scopes_disabled, view_scopes_disabled
from missions.matching.services import match_propose
from missions.models import Beneficiary, Match, Mission
from missions.scoping import StaffScope, staff_required, staff_view
from tests import factories
from volunteers.models import Volunteer

# --- test-only views ---------------------------------------------------------------------------


def _rows():
    """Every query here forgets scoped(): the default manager and a reverse relation."""
    return {
        "beneficiaries": sorted(Beneficiary.objects.values_list("pk", flat=True)),
        "missions": Mission.objects.count(),
    }


@staff_view
def forgetful_staff_page(request):
    volunteer = Match.objects.values_list("volunteer", flat=True).first()
    matches = []
    if volunteer is not None:
        # A reverse relation from a row outside the tenant tables (a volunteer) is filtered too.
        matches = sorted(Volunteer.objects.get(pk=volunteer).matches.values_list("pk", flat=True))
    return JsonResponse({**_rows(), "association": request.association.pk, "volunteer_matches": matches})


@staff_required
def forgetful_admin_page(request):
    return JsonResponse(_rows())


def unscoped_page(request):
    return JsonResponse(_rows())


@view_scopes_disabled("a test page that reads every association on purpose")
def escaped_page(request):
    return JsonResponse(_rows())


class ForgetfulStaffApi(APIView):
    permission_classes = [StaffScope]

    def get(self, request):
        return Response({**_rows(), "ids": request.association_ids})


urlpatterns = [
    path("scopes-test/staff/", forgetful_staff_page),
    path("scopes-test/admin/", forgetful_admin_page),
    path("scopes-test/unscoped/", unscoped_page),
    path("scopes-test/escaped/", escaped_page),
    path("scopes-test/api/", ForgetfulStaffApi.as_view()),
    path("", include("liens.urls")),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def two_associations(association_a, association_b):
    volunteer = factories.VolunteerFactory()
    in_a = factories.MatchFactory(volunteer=volunteer, mission__beneficiary__association=association_a)
    in_b = factories.MatchFactory(volunteer=volunteer, mission__beneficiary__association=association_b)
    return in_a, in_b


# --- staff pages and API -------------------------------------------------------------------------


def test_a_staff_page_that_forgets_scoped_still_sees_only_its_association(coordinator_a_client, two_associations):
    in_a, in_b = two_associations
    answer = coordinator_a_client.get("/scopes-test/staff/").json()
    assert answer["beneficiaries"] == [in_a.mission.beneficiary_id]
    assert answer["missions"] == 1
    assert answer["volunteer_matches"] == [in_a.pk]


def test_a_platform_admin_sees_every_association(admin_client_, two_associations):
    in_a, in_b = two_associations
    answer = admin_client_.get("/scopes-test/admin/").json()
    assert answer["beneficiaries"] == sorted([in_a.mission.beneficiary_id, in_b.mission.beneficiary_id])
    assert answer["missions"] == 2


def test_a_request_that_chooses_no_scope_raises(coordinator_a_client, two_associations):
    with pytest.raises(ScopeError, match="Beneficiary queried inside a request with no tenant scope"):
        coordinator_a_client.get("/scopes-test/unscoped/")


def test_the_explicit_escape_reads_across_associations(coordinator_a_client, two_associations):
    answer = coordinator_a_client.get("/scopes-test/escaped/").json()
    assert len(answer["beneficiaries"]) == 2


def test_the_escape_needs_a_reason():
    with pytest.raises(TypeError):
        scopes_disabled("")
    with pytest.raises(TypeError):
        view_scopes_disabled(" ")


def test_the_staff_api_permission_scopes_the_view(coordinator_a_client, association_a, two_associations):
    in_a, _in_b = two_associations
    answer = coordinator_a_client.get("/scopes-test/api/").json()
    assert answer == {"beneficiaries": [in_a.mission.beneficiary_id], "missions": 1, "ids": [association_a.pk]}


def test_the_staff_api_permission_answers_404_to_outsiders_and_volunteers(client, volunteer_client, two_associations):
    outsider = factories.UserFactory()
    client.force_login(outsider)
    assert client.get("/scopes-test/api/").status_code == 404
    assert volunteer_client.get("/scopes-test/api/").status_code == 404
    # The site's own staff endpoints use the same permission.
    assert volunteer_client.get("/api/alerts/").status_code == 404
    assert client.get("/api/matching/proposals/").status_code == 404


def test_the_staff_api_permission_asks_a_signed_out_caller_to_sign_in(anonymous_client):
    assert anonymous_client.get("/scopes-test/api/").status_code in (401, 403)


def test_a_scope_ends_with_its_request(coordinator_a_client, two_associations):
    coordinator_a_client.get("/scopes-test/staff/")
    assert scope_current().kind == "open"
    assert Beneficiary.objects.count() == 2


def test_the_django_admin_gives_a_platform_admin_every_association(admin_client_, two_associations):
    in_a, in_b = two_associations
    response = admin_client_.get(reverse("admin:missions_beneficiary_changelist"))
    assert response.status_code == 200
    assert {row.pk for row in response.context["cl"].result_list} == {
        in_a.mission.beneficiary_id,
        in_b.mission.beneficiary_id,
    }


# --- services, tasks and commands ---------------------------------------------------------------


def test_outside_requests_nothing_is_filtered_or_enforced(two_associations):
    assert scope_current().kind == "open"
    assert Beneficiary.objects.count() == 2
    call_command("sweep_isolation", stdout=io.StringIO())  # a command reads every association, unenforced
    with scope_active([two_associations[0].mission.association_id]):
        assert Beneficiary.objects.count() == 1
    assert Beneficiary.objects.count() == 2


@app.task(base=AfterCommitTask, name="tests.scopes.count_beneficiaries")
def count_beneficiaries() -> int:
    return Beneficiary.objects.count()


def test_a_task_run_inside_a_staff_scope_still_works_across_associations(two_associations):
    # As when a test (or an eager worker) runs the task inside the request that sent it.
    with scope_active([two_associations[0].mission.association_id]):
        assert Beneficiary.objects.count() == 1
        assert count_beneficiaries.apply().get() == 2


def test_a_volunteers_capacity_counts_every_association_inside_a_staff_scope(coordinator_a, association_a):
    """The hard rules read the volunteer's matches past the staff scope (services._pair_facts)."""
    volunteer = factories.VolunteerFactory(max_commitments=1)
    factories.AvailabilitySlotFactory(volunteer=volunteer)
    elsewhere = factories.MatchFactory(volunteer=volunteer)  # another association's live match
    mission = factories.MissionFactory(beneficiary__association=association_a)
    with scope_active([association_a.pk]), pytest.raises(DomainError, match="peut prendre un engagement de plus"):
        match_propose(mission=mission, volunteer=volunteer, by=coordinator_a)
    # The same proposal goes through once the other association's match is gone.
    elsewhere.delete()
    with scope_active([association_a.pk]):
        assert match_propose(mission=mission, volunteer=volunteer, by=coordinator_a).status == Match.Status.PROPOSED
