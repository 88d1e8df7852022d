"""The public catalogue: anyone browses open missions as safe cards, filters them, sees a coarse
distance from their postcode, and signs up to come back to one."""

import datetime
import re
import urllib.parse

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liens.choices import VisitKind
from missions.catalogue.selectors import PAGE_SIZE, distance_rounded
from missions.models import Mission
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("catalogue:list")


@pytest.fixture
def odette_mission(association_a):
    person = factories.BeneficiaryFactory(
        association=association_a,
        first_name="Odette",
        last_name="Marchand",
        address="5 rue Dumenge",
        phone="04 78 12 34 56",
        neighbourhood="Croix-Rousse",
        city="Lyon",
        practical_tips="Diabétique, sonner deux fois",
    )
    return factories.MissionFactory(
        beneficiary=person,
        title="Visite à Odette Marchand",
        description="Elle habite au 3e étage",
        weekday=1,
        local_time=datetime.time(15, 0),
    )


def _get(client, **params):
    return client.get(LIST, params, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def _cards(page: str) -> list[str]:
    return re.findall(r'<li class="card catalogue-card">(.*?)</li>', page, re.S)


def test_a_stranger_sees_only_what_is_safe_of_an_open_mission(client, odette_mission):
    page = _get(client)
    (card,) = _cards(page)
    assert "Home visit" in card and "with O." in card
    assert "Croix-Rousse, Lyon" in card and "Every Tuesday afternoon" in card
    assert "Voisins de la Croix-Rousse" in card
    for secret in ("Odette", "Marchand", "5 rue Dumenge", "04 78", "Diabétique", "15:00", "3e étage", "45.77"):
        assert secret not in page


def test_drafts_closed_past_and_unvalidated_missions_stay_out(client, odette_mission, association_b):
    person = odette_mission.beneficiary
    factories.MissionFactory(beneficiary=person, status=Mission.Status.DRAFT)
    factories.MissionFactory(beneficiary=person, status=Mission.Status.CLOSED)
    factories.MissionFactory(
        beneficiary=person,
        recurrence=Mission.Recurrence.ONE_OFF,
        starts_at=timezone.now() - datetime.timedelta(days=1),
    )
    factories.MissionFactory(beneficiary=person, end_date=timezone.localdate() - datetime.timedelta(days=1))
    pending = factories.AssociationFactory(validated_at=None)
    factories.MissionFactory(beneficiary=factories.BeneficiaryFactory(association=pending))
    page = _get(client)
    assert len(_cards(page)) == 1
    assert client.get(reverse("catalogue:mission", args=[odette_mission.pk + 1])).status_code == 404


def test_filters_by_kind_day_time_of_day_and_town(client, odette_mission, association_b):
    other = factories.BeneficiaryFactory(association=association_b, city="Villeurbanne", neighbourhood="")
    factories.MissionFactory(beneficiary=other, kind=VisitKind.PHONE_CALL, weekday=3, local_time=datetime.time(10, 0))
    factories.MissionFactory(
        beneficiary=other,
        recurrence=Mission.Recurrence.ONE_OFF,
        # Tuesday 19:30 in Paris, stored in UTC: found by its local weekday and hour.
        starts_at=datetime.datetime(2031, 1, 14, 18, 30, tzinfo=datetime.UTC),
    )
    assert len(_cards(_get(client))) == 3
    assert len(_cards(_get(client, kind="phone_call"))) == 1
    assert len(_cards(_get(client, weekday="3"))) == 1
    tuesday = _cards(_get(client, weekday="1"))
    assert len(tuesday) == 2
    assert len(_cards(_get(client, weekday="1", period="evening"))) == 1
    assert "Once, Tuesday 14 January, evening" in _get(client, weekday="1", period="evening")
    assert len(_cards(_get(client, period="morning"))) == 1
    villeurbanne = _get(client, town="Villeurbanne")
    assert len(_cards(villeurbanne)) == 2 and '<option value="Villeurbanne" selected>' in villeurbanne


def test_a_postcode_orders_by_distance_rounds_it_and_the_radius_keeps_the_near(client, odette_mission, association_b):
    far = factories.BeneficiaryFactory(association=association_b, latitude=45.85, longitude=4.95, neighbourhood="")
    factories.MissionFactory(beneficiary=far)
    page = _get(client, postcode="69004")
    cards = _cards(page)
    assert "with O." in cards[0] and "About 1 km" in cards[0]  # 500 m away: never shown below 1 km
    assert re.search(r"About 1[05] km", cards[1])
    assert len(_cards(_get(client, postcode="69004", radius="5"))) == 1
    assert len(_cards(_get(client, postcode="69004", radius="20"))) == 2


def test_an_unknown_postcode_is_explained_and_the_other_filters_still_apply(client, odette_mission):
    page = _get(client, postcode="00000", kind="home_visit")
    assert "We do not know this postcode." in page
    assert len(_cards(page)) == 1 and "About" not in page


@pytest.mark.parametrize(
    ("km", "shown"),
    [(0.05, "About 1 km"), (1.4, "About 1 km"), (2.6, "About 3 km"), (9.4, "About 9 km"), (13, "About 15 km")],
)
def test_distances_are_coarse(km, shown):
    assert distance_rounded(km) == shown


def test_pages_keep_the_filters(client, association_a):
    person = factories.BeneficiaryFactory(association=association_a)
    factories.MissionFactory.create_batch(PAGE_SIZE + 2, beneficiary=person)
    first = _get(client, kind="home_visit")
    assert len(_cards(first)) == PAGE_SIZE and "Page 1 of 2" in first
    assert "?kind=home_visit&amp;page=2" in first
    assert len(_cards(_get(client, kind="home_visit", page="2"))) == 2


@pytest.mark.parametrize("count", [1, 15])
def test_a_page_costs_the_same_queries_however_many_missions(client, association_a, count, django_assert_num_queries):
    person = factories.BeneficiaryFactory(association=association_a)
    missions = factories.MissionFactory.create_batch(count, beneficiary=person)
    # The towns for the filter, the count, the page of missions.
    with django_assert_num_queries(3):
        response = client.get(LIST, {"postcode": "69004", "period": "afternoon"})
    assert response.status_code == 200
    with django_assert_num_queries(1):
        assert client.get(reverse("catalogue:mission", args=[missions[-1].pk])).status_code == 200


def test_the_mission_page_invites_to_sign_up_and_come_back_to_it(client, odette_mission):
    page = client.get(reverse("catalogue:mission", args=[odette_mission.pk]), {"postcode": "69004"}).content.decode()
    assert "Odette" not in page and "Marchand" not in page and "5 rue Dumenge" not in page
    assert "Environ 1 km" in page  # in French, the default language
    target = reverse("volunteers:mission_detail", args=[odette_mission.pk])
    signup = re.search(r'href="(/accounts/signup/\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(signup).query)["next"] == [target]


def _sign_up(client, target):
    form = client.get(reverse("account_signup"), {"next": target}).content.decode()
    assert f'name="next" value="{target}"' in form
    client.post(
        f"{reverse('account_signup')}?next={target}",
        {
            "first_name": "Camille",
            "email": "camille@exemple.fr",
            "password1": "un-jardin-sous-la-pluie",
            "postcode": "69004",
            "next": target,
        },
    )
    link = re.search(r"https?://\S+/volunteer/welcome/\S+", mail.outbox[-1].body).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _wizard(client):
    client.post(reverse("volunteers:profile_step", args=["availability"]), {"d1_afternoon": "on"})
    return client.post(reverse("volunteers:profile_step", args=["charter"]), {"charter": "on", "data_consent": "on"})


@pytest.mark.parametrize("same_browser", [True, False], ids=["same browser", "mail app's browser"])
def test_the_mission_a_visitor_came_for_opens_once_the_wizard_is_done(client, odette_mission, same_browser):
    target = reverse("volunteers:mission_detail", args=[odette_mission.pk])
    link = _sign_up(client, target)
    browser = client if same_browser else Client()
    response = browser.get(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:profile_step", args=["availability"])
    assert _wizard(browser)["Location"] == target
    page = browser.get(target).content.decode()
    assert "Odette M." in page and "Une fois validé·e" in page, "a home visit opens once vetted"
    assert "Marchand" not in page and "Je peux aider" not in page


def test_a_sign_up_never_carries_a_visitor_off_the_site(client, odette_mission):
    link = _sign_up(client, "https://ailleurs.example/piege")
    assert "ailleurs" not in link and "next" not in link
    other = Client()
    assert other.get(link)["Location"] == reverse("volunteers:profile_step", args=["availability"])
    assert _wizard(other)["Location"] == reverse("volunteers:missions")


def test_a_group_event_shows_its_association_town_and_no_one(client, association_a):
    association_a.city = "Villeurbanne"
    association_a.save()
    factories.MissionFactory(
        association=association_a,
        beneficiary=None,
        kind=VisitKind.GROUP_EVENT,
        place="Salle des fêtes, 3 rue Francis de Pressensé",
        latitude=45.766,
        longitude=4.879,
    )
    page = _get(client, postcode="69100")
    (card,) = _cards(page)
    assert "Group event" in card and "Villeurbanne" in card and "with" not in card
    assert "Pressensé" not in page and "About 1 km" in card


def test_a_volunteer_goes_straight_to_the_mission_in_their_space(client, odette_mission):
    volunteer = factories.VolunteerFactory()
    client.force_login(volunteer.user)
    page = client.get(reverse("catalogue:mission", args=[odette_mission.pk])).content.decode()
    assert reverse("volunteers:mission_detail", args=[odette_mission.pk]) in page
    assert "/accounts/signup/" not in page
