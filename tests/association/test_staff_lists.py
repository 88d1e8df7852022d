"""Staff lists for a week's work on a phone: search, filters and pages of 20 that keep the
filters, a constant number of queries per page, and one-tap actions that come back to the item
(at its anchor without JavaScript, or as the item's own partial when asked in place)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from missions.association import selectors
from missions.models import Beneficiary, IsolationAlert, Mission
from tests import factories
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

IN_PLACE = {"HTTP_HX_REQUEST": "true"}


def _pending(postcode="69003", **extra):
    return factories.VolunteerFactory(
        postcode=postcode, vetting_state=Volunteer.Vetting.PENDING, approved_at=None, **extra
    )


def _ids(response, prefix: str) -> list[str]:
    page = response.content.decode()
    found = [part.split('"', 1)[0] for part in page.split(f'id="{prefix}-')[1:]]
    return [pk for pk in found if pk.isdigit()]


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


# --- vetting desk ---------------------------------------------------------------------------------


def test_the_desk_searches_by_name_and_narrows_to_a_step_still_waiting(coordinator_a_client):
    rose = _pending(user=factories.UserFactory(first_name="Rose", last_name="Tellier"))
    paul = _pending(user=factories.UserFactory(first_name="Paul", last_name="Rival"), interview_on=timezone.localdate())
    url = reverse("association:vetting")
    assert _ids(coordinator_a_client.get(url, {"q": "tellier"}), "volunteer") == [str(rose.pk)]
    assert _ids(coordinator_a_client.get(url, {"waiting_for": "interview"}), "volunteer") == [str(rose.pk)]
    both = _ids(coordinator_a_client.get(url, {"waiting_for": "training"}), "volunteer")
    assert sorted(both) == sorted([str(rose.pk), str(paul.pk)])
    page = coordinator_a_client.get(url, {"q": "tellier", "waiting_for": "interview"}).content.decode()
    assert 'value="tellier"' in page and '<option value="interview" selected>' in page


def test_the_desk_pages_by_20_keeping_its_filters_in_a_constant_number_of_queries(
    coordinator_a_client, django_assert_num_queries
):
    url, params = reverse("association:vetting"), {"waiting_for": "interview"}
    for _ in range(2):
        _pending("69001")
    few = _queries(coordinator_a_client, url, params)
    for _ in range(23):
        _pending("69002", interview_on=None)
    with django_assert_num_queries(few):
        response = coordinator_a_client.get(url, params)
    assert len(_ids(response, "volunteer")) == 20
    assert "?waiting_for=interview&amp;page=2" in response.content.decode()
    assert len(_ids(coordinator_a_client.get(url, params | {"page": 2}), "volunteer")) == 5


def test_the_desk_and_the_home_s_count_read_what_vetting_waiting_defines_and_follow_a_new_postcode(
    association_a, association_b, coordinator_a, coordinator_a_client, coordinator_b_client
):
    # Both are read by queries compiled once per set of départements (selectors.vetting_desk_rows,
    # vetting_waiting_count_reading); the selector stays the definition of who waits on whose desk.
    association_b.postcode = "38000"
    association_b.save(update_fields=["postcode"])
    lyon = [_pending("69003"), _pending("69100", interview_on=timezone.localdate())]
    grenoble = [_pending("38100"), _pending("38000", training_on=timezone.localdate())]
    matched = _pending("75011")  # in another département, matched with association B's mission
    factories.MatchFactory(volunteer=matched, mission=factories.MissionFactory(association=association_b))
    _pending("69004", user=coordinator_a)  # nobody vets their own profile
    url, home = reverse("association:vetting"), reverse("association:home")

    def shown(client, params):
        return [int(pk) for pk in _ids(client.get(url, params), "volunteer")]

    def check(association, client, staff, expected):
        for waiting_for in ("", "interview", "training", "background_check", "unknown"):
            params = {"waiting_for": waiting_for}
            rows = selectors.vetting_waiting(association=association, user=staff, waiting_for=waiting_for)
            defined = [v.pk for v in rows.order_by("created_at", "pk")]
            assert shown(client, params) == defined, (association.name, params)
        assert sorted(shown(client, {})) == sorted(v.pk for v in expected)
        count = client.get(home).context["attention"].volunteers_waiting
        assert count == len(expected) == selectors.vetting_waiting(association=association, user=staff).count()

    staff_b = association_b.memberships.get().user
    check(association_a, coordinator_a_client, coordinator_a, lyon)
    check(association_b, coordinator_b_client, staff_b, [*grenoble, matched])
    # The association moves: its desk is the new département's from the next visit on.
    association_a.postcode = "38240"
    association_a.save(update_fields=["postcode"])
    check(association_a, coordinator_a_client, coordinator_a, grenoble)


def test_a_step_without_javascript_comes_back_to_the_same_list_page_at_the_volunteer(coordinator_a_client):
    volunteer = _pending()
    list_page = reverse("association:vetting") + "?q=&waiting_for=interview&page=1"
    response = coordinator_a_client.post(
        reverse("association:vetting-record", args=[volunteer.pk]), {"step": "interview", "next": list_page}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{list_page}#volunteer-{volunteer.pk}"
    volunteer.refresh_from_db()
    assert volunteer.interview_on == timezone.localdate()


def test_a_step_never_sends_anyone_off_the_site(coordinator_a_client):
    volunteer = _pending()
    response = coordinator_a_client.post(
        reverse("association:vetting-record", args=[volunteer.pk]),
        {"step": "training", "next": "https://elsewhere.example/"},
    )
    assert response["Location"] == reverse("association:vetting") + f"#volunteer-{volunteer.pk}"


def test_a_step_in_place_answers_the_volunteer_s_row_alone_saying_what_was_recorded(coordinator_a_client):
    volunteer = _pending(interview_on=timezone.localdate(), training_on=timezone.localdate())
    response = coordinator_a_client.post(
        reverse("association:vetting-record", args=[volunteer.pk]), {"step": "background_check"}, **IN_PLACE
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<li class="card vetting-row" id="volunteer-{volunteer.pk}">')
    assert "<html" not in page and 'role="status"' in page and "approuvé" in page
    assert f'action="{reverse("association:vetting-record", args=[volunteer.pk])}"' not in page  # nothing left
    # Nothing waits in the session for the next full page: the row said it.
    assert "approuvé" not in coordinator_a_client.get(reverse("association:home")).content.decode()


def test_a_refused_step_in_place_says_why_in_the_row(coordinator_a_client):
    volunteer = _pending()
    response = coordinator_a_client.post(
        reverse("association:vetting-record", args=[volunteer.pk]), {"step": "nonsense"}, **IN_PLACE
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_the_filter_form_asked_in_place_answers_the_list_alone(coordinator_a_client):
    rose = _pending(user=factories.UserFactory(first_name="Rose", last_name="Tellier"))
    response = coordinator_a_client.get(reverse("association:vetting"), {"q": "rose"}, **IN_PLACE)
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="vetting-list"') and "<html" not in page
    assert f'id="volunteer-{rose.pk}"' in page


# --- missions ---------------------------------------------------------------------------------------


def test_the_missions_list_pages_by_20_keeping_its_filters_in_a_constant_number_of_queries(
    association_a, coordinator_a_client, django_assert_num_queries
):
    url, params = reverse("association:missions"), {"status": "draft", "q": "visite"}
    factories.MissionFactory(association=association_a, status="draft", title="Visite 0")
    few = _queries(coordinator_a_client, url, params)
    factories.MissionFactory.create_batch(24, association=association_a, status="draft", title="Visite du mardi")
    factories.MissionFactory(association=association_a, status="open", title="Visite ouverte")
    with django_assert_num_queries(few):
        response = coordinator_a_client.get(url, params)
    assert len(_ids(response, "mission")) == 20
    page = response.content.decode()
    assert "?status=draft&amp;q=visite&amp;page=2" in page and 'value="visite"' in page
    assert len(_ids(coordinator_a_client.get(url, params | {"page": 2}), "mission")) == 5


def test_a_list_s_total_comes_with_its_page_and_a_page_past_the_end_falls_back_to_the_last(
    association_a, coordinator_a_client
):
    url = reverse("association:missions")
    factories.MissionFactory.create_batch(23, association=association_a, status="draft")
    factories.MissionFactory(association=association_a, status="closed")
    for params, number, rows, total in [
        ({"status": "draft"}, 1, 20, 23),
        ({"status": "draft", "page": 2}, 2, 3, 23),
        ({"status": "draft", "page": 9}, 2, 3, 23),  # past the end: the last page
        ({"status": "draft", "page": "x"}, 1, 20, 23),  # not a number: the first page
        # Past any list's end (an offset the database could not hold): the last page, not an error.
        ({"status": "draft", "page": "99999999999999999999"}, 2, 3, 23),
        ({"status": "filled"}, 1, 0, 0),
    ]:
        page = coordinator_a_client.get(url, params).context["page"]
        assert (page.number, len(page.object_list), page.paginator.count) == (number, rows, total), params
        assert page.paginator.num_pages == max(1, -(-total // 20))


def test_each_filter_of_the_missions_list_reads_what_its_selector_defines_and_only_the_association_s(
    association_a, association_b, coordinator_a_client, coordinator_b_client
):
    # The rows come from a query compiled once per filter (selectors.mission_rows); the selector
    # stays the definition of what a filter lists, and in what order.
    for status in ("draft", "open", "filled", "closed"):
        factories.MissionFactory.create_batch(2, association=association_a, status=status, kind="home_visit")
        factories.MissionFactory(association=association_a, status=status, kind="phone_call")
        factories.MissionFactory(association=association_b, status=status, kind="phone_call")
    url = reverse("association:missions")
    for status in ("", "draft", "open", "filled", "closed", "unknown"):
        for kind in ("", "home_visit", "phone_call", "unknown"):
            params = {"status": status, "kind": kind}
            for association, client in ((association_a, coordinator_a_client), (association_b, coordinator_b_client)):
                expected = selectors.mission_list(association=association, status=status, kind=kind)
                shown = [m.pk for m in client.get(url, params).context["page"].object_list]
                assert shown == [m.pk for m in expected], (association.name, params)


def test_publishing_from_the_list_comes_back_to_the_list_page_at_the_mission(beneficiary_a, coordinator_a_client):
    mission = factories.MissionFactory(beneficiary=beneficiary_a, status="draft", first_date=timezone.localdate())
    back = reverse("association:missions") + "?status=draft&page=1"
    response = coordinator_a_client.post(reverse("association:mission-publish", args=[mission.pk]), {"next": back})
    assert response["Location"] == f"{back}#mission-{mission.pk}"
    mission.refresh_from_db()
    assert mission.status == Mission.Status.OPEN


def test_a_status_change_in_place_answers_the_mission_s_row_with_its_next_actions(association_a, coordinator_a_client):
    mission = factories.MissionFactory(association=association_a, status="open")
    response = coordinator_a_client.post(reverse("association:mission-fill", args=[mission.pk]), {}, **IN_PLACE)
    page = response.content.decode()
    assert page.lstrip().startswith(f'<li class="card mission-row" id="mission-{mission.pk}">')
    assert reverse("association:mission-reopen", args=[mission.pk]) in page
    assert reverse("association:mission-fill", args=[mission.pk]) not in page
    assert "<html" not in page and 'role="status"' in page


def test_the_mission_page_still_comes_back_to_itself(association_a, coordinator_a_client):
    mission = factories.MissionFactory(association=association_a, status="open")
    response = coordinator_a_client.post(reverse("association:mission-close", args=[mission.pk]))
    assert response["Location"] == reverse("association:mission", args=[mission.pk])


def test_the_mission_page_links_each_volunteer_to_their_match(mission_a, coordinator_a_client):
    match = factories.MatchFactory(mission=mission_a, status="active")
    page = coordinator_a_client.get(reverse("association:mission", args=[mission_a.pk])).content.decode()
    assert f'href="{reverse("matching:match", args=[match.pk])}"' in page


# --- beneficiaries ----------------------------------------------------------------------------------


def test_the_people_list_pages_by_20_keeping_its_filters_in_a_constant_number_of_queries(
    association_a, coordinator_a_client, django_assert_num_queries
):
    url, params = reverse("association:beneficiaries"), {"status": "active", "q": "lyon"}
    factories.BeneficiaryFactory(association=association_a, city="Lyon")
    few = _queries(coordinator_a_client, url, params)
    factories.BeneficiaryFactory.create_batch(24, association=association_a, city="Lyon")
    factories.BeneficiaryFactory(association=association_a, city="Lyon", status=Beneficiary.Status.INTAKE)
    with django_assert_num_queries(few):
        response = coordinator_a_client.get(url, params)
    assert len(_ids(response, "beneficiary")) == 20
    assert "?status=active&amp;q=lyon&amp;page=2" in response.content.decode()
    in_place = coordinator_a_client.get(url, params | {"page": 2}, **IN_PLACE)
    assert in_place.content.decode().lstrip().startswith('<div id="beneficiary-list"')
    assert len(_ids(in_place, "beneficiary")) == 5


def test_each_status_of_the_people_list_reads_what_its_selector_defines_and_only_the_association_s(
    association_a, association_b, coordinator_a_client, coordinator_b_client
):
    # The rows come from a query compiled once per status (selectors.beneficiary_rows), with
    # whether each person has an alert still open; the selector stays the definition.
    for association in (association_a, association_b):
        for status in Beneficiary.Status.values:
            person = factories.BeneficiaryFactory(association=association, status=status)
            factories.BeneficiaryFactory(association=association, status=status)
            IsolationAlert.objects.create(
                beneficiary=person,
                association=association,
                kind=IsolationAlert.Kind.NO_CONTACT,
                severity=IsolationAlert.Severity.LATE,
                started_at=timezone.now(),
                raised_at=timezone.now(),
                resolved_at=timezone.now() if status == Beneficiary.Status.PAUSED else None,
            )
    url = reverse("association:beneficiaries")
    for status in ("", *Beneficiary.Status.values, "unknown"):
        for association, client in ((association_a, coordinator_a_client), (association_b, coordinator_b_client)):
            expected = selectors.beneficiary_list(association=association, status=status)
            shown = client.get(url, {"status": status}).context["page"].object_list
            assert [(b.pk, b.has_open_alert) for b in shown] == [(b.pk, b.has_open_alert) for b in expected]
            if status in Beneficiary.Status.values:  # two people, one with an alert (resolved for a pause)
                opened = 0 if status == Beneficiary.Status.PAUSED else 1
                assert (len(shown), sum(b.has_open_alert for b in shown)) == (2, opened), status


def test_the_file_offers_erasure_only_when_it_may_be_done(beneficiary_a, coordinator_a_client):
    erase = reverse("privacy:beneficiary-erase", args=[beneficiary_a.pk])
    file_page = reverse("association:beneficiary", args=[beneficiary_a.pk])
    assert erase not in coordinator_a_client.get(file_page).content.decode()
    Beneficiary.objects.filter(pk=beneficiary_a.pk).update(status=Beneficiary.Status.ENDED)
    assert erase in coordinator_a_client.get(file_page).content.decode()


def test_the_file_shows_each_section_with_what_is_left_to_complete(intake_a, coordinator_a_client):
    page = coordinator_a_client.get(reverse("association:beneficiary", args=[intake_a.pk])).content.decode()
    for section in ("identity", "consent", "contact", "preferences", "health", "key_contacts", "follow_up"):
        assert f'id="section-{section}"' in page
        assert reverse("association:beneficiary-section", args=[intake_a.pk, section]) in page
    assert "à compléter" in page  # no consent recorded yet
