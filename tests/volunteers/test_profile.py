"""The profile wizard: each step saves on its own, the volunteer can stop and resume."""

import datetime

import pytest
from django.urls import reverse

from liens.errors import DomainError
from tests import factories
from volunteers import services
from volunteers.models import AvailabilitySlot, Volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(client):
    user = factories.UserFactory(first_name="Camille")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    volunteer = Volunteer.objects.create(user=user, postcode="69004", latitude=45.77, longitude=4.82)
    client.force_login(user)
    return volunteer


def _step(client, step, data):
    return client.post(reverse("volunteers:profile_step", args=[step]), data)


def test_a_new_volunteer_is_sent_to_the_first_step_and_resumes_where_they_stopped(client, newcomer):
    home = client.get(reverse("volunteers:home")).content.decode()
    assert reverse("volunteers:profile_step", args=["availability"]) in home
    response = _step(client, "availability", {"d1_afternoon": "on", "d3_morning": "on"})
    assert response["Location"] == reverse("volunteers:profile_step", args=["charter"])
    # Stop here, come back later: the next step offered is the one not saved yet.
    home = client.get(reverse("volunteers:home")).content.decode()
    assert reverse("volunteers:profile_step", args=["charter"]) in home
    newcomer.refresh_from_db()
    assert newcomer.profile_steps_done == ["availability"]


def test_the_whole_wizard_saves_every_answer(client, newcomer):
    _step(client, "availability", {"d1_afternoon": "on", "d1_evening": "on", "d5_morning": "on"})
    _step(client, "place", {"address": "12 rue Dumenge", "postcode": "69004", "travel_radius_km": "2.5"})
    _step(client, "interests", {"interests": ["gardening", "cards"], "languages": ["fr", "it"]})
    _step(client, "kinds", {"visit_kinds": ["home_visit", "phone_call"], "max_commitments": "3"})
    _step(client, "charter", {"charter": "on", "data_consent": "on"})
    response = _step(
        client,
        "notifications",
        {
            "notify_email": "on",
            "notify_sms": "on",
            "phone": "06 12 34 56 78",
            "quiet_from": "21:30",
            "quiet_until": "08:00",
        },
    )
    assert response["Location"] == reverse("volunteers:profile")
    v = Volunteer.objects.select_related("user").get(pk=newcomer.pk)
    assert v.profile_steps_done == list(services.PROFILE_STEPS)
    # Tuesday afternoon and evening touch, so they become one slot a 17:00-18:30 mission fits.
    assert [(s.weekday, s.start, s.end) for s in v.slots.all()] == [
        (1, datetime.time(12), datetime.time(22)),
        (5, datetime.time(8), datetime.time(12)),
    ]
    assert (v.address, v.city, float(v.travel_radius_km)) == ("12 rue Dumenge", "Lyon", 2.5)
    assert v.latitude == pytest.approx(45.7786) and v.longitude == pytest.approx(4.8270)
    assert v.interests == ["gardening", "cards"] and v.languages == ["fr", "it"]
    assert v.visit_kinds == ["home_visit", "phone_call"] and v.max_commitments == 3
    assert v.charter_accepted_at and v.data_consent_at
    both = ["email", "sms"]
    assert v.user.notify_channels == {"reminders": both, "matches": both, "messages": both}
    assert v.user.phone == "+33612345678" and v.quiet_from == datetime.time(21, 30)
    # The grid reads the merged slot back as the cells ticked.
    page = client.get(reverse("volunteers:profile_step", args=["availability"])).content.decode()
    assert 'name="d1_afternoon" id="id_d1_afternoon" checked' in page
    assert 'name="d1_morning" id="id_d1_morning">' in page or 'name="d1_morning" id="id_d1_morning" >' in page


def test_the_home_point_is_never_shown_even_to_the_volunteer(client, newcomer):
    _step(client, "place", {"address": "12 rue Dumenge", "postcode": "69004", "travel_radius_km": "3"})
    newcomer.refresh_from_db()
    for name in ["home", "profile", "missions", "visits", "vetting"]:
        page = client.get(reverse(f"volunteers:{name}")).content.decode()
        assert "45.77" not in page and "4.827" not in page and "45,77" not in page
    profile = client.get("/api/volunteer/profile/").json()
    assert "latitude" not in profile and "longitude" not in profile


@pytest.mark.parametrize(
    "step, data, field, message",
    [
        (
            "notifications",
            {"notify_sms": "on", "phone": "01 23", "quiet_from": "21:00", "quiet_until": "08:00"},
            "phone",
            "pas valide",
        ),
        (
            "notifications",
            {"notify_sms": "on", "phone": "", "quiet_from": "21:00", "quiet_until": "08:00"},
            "phone",
            "portable",
        ),
        (
            "notifications",
            {"phone": "", "quiet_from": "21:00", "quiet_until": "08:00"},
            "notify_email",
            "au moins un moyen",
        ),
        (
            "place",
            {"address": "3 impasse Inconnue", "postcode": "01500", "travel_radius_km": "3"},
            "address",
            "pas trouvé",
        ),
        ("place", {"address": "", "postcode": "01500", "travel_radius_km": "3"}, "postcode", "ne connaissons pas"),
        ("place", {"address": "", "postcode": "6900", "travel_radius_km": "3"}, "postcode", "cinq chiffres"),
        ("availability", {}, None, "au moins un moment"),
        ("interests", {"interests": ["gardening"]}, "languages", "obligatoire"),
        ("kinds", {"visit_kinds": ["home_visit"], "max_commitments": "12"}, "max_commitments", "10"),
        ("charter", {"charter": "on"}, "data_consent", "obligatoire"),
    ],
)
def test_bad_answers_are_refused_in_french_keep_what_was_typed_and_save_nothing(
    client, newcomer, step, data, field, message
):
    before = Volunteer.objects.get(pk=newcomer.pk)
    response = _step(client, step, data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field or "__all__", []))
    page = response.content.decode()
    for value in data.values():
        if isinstance(value, str) and value not in ("on", ""):
            assert f'value="{value}"' in page
    after = Volunteer.objects.select_related("user").get(pk=newcomer.pk)
    assert after.profile_steps_done == before.profile_steps_done == []
    assert (after.latitude, after.address, after.user.phone, after.charter_accepted_at) == (
        before.latitude,
        before.address,
        "",
        None,
    )
    assert not AvailabilitySlot.objects.filter(volunteer=newcomer).exists()


def test_an_unknown_step_is_404(client, newcomer):
    assert client.get(reverse("volunteers:profile_step", args=["passport"])).status_code == 404


def test_availability_ranges_merge_and_bad_ranges_are_refused(newcomer):
    t = datetime.time
    services.availability_set(volunteer=newcomer, ranges=[(0, t(9), t(11)), (0, t(10), t(12)), (0, t(14), t(16))])
    assert [(s.start, s.end) for s in newcomer.slots.all()] == [(t(9), t(12)), (t(14), t(16))]
    for ranges in [[(7, t(9), t(10))], [(1, t(10), t(9))], []]:
        with pytest.raises(DomainError):
            services.availability_set(volunteer=newcomer, ranges=ranges)
    assert newcomer.slots.count() == 2


def test_accepting_the_charter_approves_a_volunteer_whose_vetting_is_done(newcomer, coordinator_a):
    from volunteers.vetting import vetting_record

    for step in ["interview", "training", "background_check"]:
        vetting_record(volunteer=newcomer, step=step, on=datetime.date.today(), by=coordinator_a)
    newcomer.refresh_from_db()
    assert newcomer.vetting_state == Volunteer.Vetting.PENDING
    services.volunteer_charter_accept(volunteer=newcomer, charter=True, data_consent=True)
    newcomer.refresh_from_db()
    assert newcomer.vetting_state == Volunteer.Vetting.APPROVED


def test_pages_need_a_volunteer(client, coordinator_a_client, anonymous_client):
    url = reverse("volunteers:home")
    assert anonymous_client.get(url)["Location"].startswith(reverse("account_login"))
    assert coordinator_a_client.get(url).status_code == 404
