"""Every form of the site: a service's refusal lands next to its field, and an invalid field says
so to a screen reader, pointing at the message that explains it."""

import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from liens.errors import DomainError
from liens.forms import FormRenderer, form_apply_domain_error
from tests import factories
from volunteers.models import Volunteer


class _PostcodeForm(forms.Form):
    postcode = forms.CharField(help_text="Five digits.")


def test_a_refusal_naming_a_field_of_the_form_goes_next_to_that_field():
    form = _PostcodeForm({"postcode": "01500"})
    assert form.is_valid()

    form_apply_domain_error(form, DomainError("We do not know this postcode.", field="postcode"))

    assert form.errors == {"postcode": ["We do not know this postcode."]}
    assert form.non_field_errors() == []


@pytest.mark.parametrize("field", [None, "starts_at"])
def test_a_refusal_naming_no_field_of_the_form_goes_at_the_top(field):
    form = _PostcodeForm({"postcode": "01500"})
    assert form.is_valid()

    form_apply_domain_error(form, DomainError("Not now.", field=field))

    assert form.non_field_errors() == ["Not now."]
    assert "postcode" not in form.errors


def test_an_invalid_field_is_marked_and_described_by_its_help_and_its_error():
    form = _PostcodeForm({"postcode": "01500"})
    form.is_valid()
    form_apply_domain_error(form, DomainError("We do not know this postcode.", field="postcode"))

    widget = str(form["postcode"])

    assert 'aria-invalid="true"' in widget
    assert 'aria-describedby="id_postcode-help id_postcode-error"' in widget
    assert 'value="01500"' in widget


def test_a_valid_field_is_not_marked_invalid():
    form = _PostcodeForm({"postcode": "01500"})
    assert form.is_valid()

    widget = str(form["postcode"])

    assert "aria-invalid" not in widget
    assert 'aria-describedby="id_postcode-help"' in widget


# --- on the pages -----------------------------------------------------------------------------


class _Elements(HTMLParser):
    """Every element's attributes and text, by id, and the elements marked invalid."""

    def __init__(self):
        super().__init__()
        self.text_by_id: dict[str, str] = {}
        self.invalid: list[dict] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("aria-invalid") == "true":
            self.invalid.append(attrs)
        if attrs.get("id"):
            self.text_by_id[attrs["id"]] = ""
            self._open.append(attrs["id"])

    def handle_endtag(self, tag):
        # Good enough for the short elements carrying messages (ul, li, span).
        if tag in ("ul", "span", "p", "div") and self._open:
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            self.text_by_id[element_id] += data


def _assert_invalid_fields_point_at_their_messages(page: str, *, expected: dict[str, str]) -> None:
    """`expected`: field name → a piece of the message the field must be described by."""
    elements = _Elements()
    elements.feed(page)
    marked = {attrs.get("name"): attrs for attrs in elements.invalid}
    for name, message in expected.items():
        assert name in marked, f"{name} is not marked aria-invalid"
        described_by = marked[name].get("aria-describedby", "").split()
        assert described_by, f"{name} names no description"
        for element_id in described_by:
            assert element_id in elements.text_by_id, f"{name} points at a missing #{element_id}"
        assert any(message in elements.text_by_id[i] for i in described_by), f"{name} is not described by its error"
    for attrs in elements.invalid:
        for element_id in attrs.get("aria-describedby", "").split():
            assert element_id in elements.text_by_id, f"{attrs.get('name')} points at a missing #{element_id}"


@pytest.mark.django_db
def test_the_volunteer_profile_step_marks_the_refused_address_and_keeps_what_was_typed(client):
    user = factories.UserFactory(first_name="Camille")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Volunteer.objects.create(user=user, postcode="69004", latitude=45.77, longitude=4.82)
    client.force_login(user)

    response = client.post(
        reverse("volunteers:profile_step", args=["place"]),
        {"address": "3 impasse Inconnue", "postcode": "01500", "travel_radius_km": "3"},
    )

    page = response.content.decode()
    _assert_invalid_fields_point_at_their_messages(page, expected={"address": "pas trouvé"})
    assert 'value="3 impasse Inconnue"' in page and 'value="01500"' in page
    assert re.search(r'aria-describedby="id_address-help id_address-error"', page)


@pytest.mark.django_db
def test_the_beneficiary_form_marks_the_bad_postcode_and_keeps_what_was_typed(coordinator_a_client):
    response = coordinator_a_client.post(
        reverse("association:beneficiary-new"),
        {
            "first_name": "Germaine",
            "last_name": "Vial",
            "birth_year": "1936",
            "address": "12 rue d'Austerlitz",
            "postcode": "6904",
            "city": "Lyon",
            "referral_source": "ccas",
            "referral_reason": "Veuve depuis peu, ne sort plus.",
            "contact_target_days": "7",
            "contact_grace_days": "2",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    _assert_invalid_fields_point_at_their_messages(page, expected={"postcode": "5 chiffres"})
    assert 'value="Germaine"' in page and 'value="6904"' in page and "Veuve depuis peu" in page


@pytest.mark.django_db
def test_the_mission_form_marks_the_field_a_service_refused_and_keeps_what_was_typed(coordinator_a_client):
    response = coordinator_a_client.post(
        reverse("association:mission-new"),
        {
            "kind": "group_event",
            "title": "Thé dansant",
            "recurrence": "weekly",
            "weekday": "1",
            "local_time": "15:00",
            "first_date": timezone.localdate().isoformat(),
            "duration_minutes": "90",
            "volunteers_needed": "4",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    _assert_invalid_fields_point_at_their_messages(page, expected={"place": "Indiquez où a lieu l’activité."})
    assert 'value="Thé dansant"' in page and 'value="15:00"' in page


@pytest.mark.django_db
def test_the_erase_confirmation_marks_the_unticked_box(coordinator_a_client, association_a):
    from missions.models import Beneficiary

    person = factories.BeneficiaryFactory(association=association_a, status=Beneficiary.Status.ENDED)

    response = coordinator_a_client.post(
        reverse("privacy:beneficiary-erase", args=[person.pk]), {}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    _assert_invalid_fields_point_at_their_messages(
        response.content.decode(), expected={"confirm": "Tick the box to confirm the erasure."}
    )


# --- inputs written in one pass (liens.forms.FormRenderer) ----------------------------------


class _EveryInput(forms.Form):
    name = forms.CharField(help_text='As <written> & "quoted"', widget=forms.TextInput(attrs={"autofocus": True}))
    minutes = forms.IntegerField(required=False, widget=forms.NumberInput(attrs={"min": 0, "hidden": False}))
    email = forms.EmailField(required=False)
    agreed = forms.BooleanField(required=False)
    secret = forms.CharField(required=False, widget=forms.HiddenInput)
    mood = forms.ChoiceField(
        choices=[("good", "Good <3"), ("poor", "Poor & sad"), ("o'k", gettext_lazy("Fine"))],
        widget=forms.RadioSelect,
    )
    kinds = forms.MultipleChoiceField(
        required=False,
        choices=[(1, "One"), (2, 'Two "2"'), (3000, 3000)],  # a number as label: the template localizes it
        widget=forms.CheckboxSelectMultiple,
    )
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _as_the_site_renders(form) -> str:
    """Each field as liens/jinja2/_field.html writes it: a group choice by choice (BoundWidget.tag),
    any other input whole; and the whole form as Django writes it."""
    parts = [form.as_div()]
    for field in form:
        if field.widget_type in ("radioselect", "checkboxselectmultiple"):
            parts += [f"{choice.tag()}|{choice}" for choice in field]  # str(): the input in its label
        else:
            parts.append(str(field))
    return "\n".join(parts)


class _TemplatesOnly(FormRenderer):
    """The site's renderer with every input rendered by Django's templates."""

    def _writer(self, template_name):
        return None


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"name": "Zoé <b>", "minutes": "-3", "email": "x@", "agreed": "on", "mood": "o'k", "kinds": ["1", "3000"]},
        {"name": "A", "minutes": "12", "mood": "bad", "kinds": ["9"], "when": "2026-13-40", "secret": '"&'},
    ],
)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_inputs_written_in_one_pass_are_the_html_of_djangos_templates(data, language):
    with translation.override(language):
        ours, djangos = (
            _as_the_site_renders(_EveryInput(data, renderer=r)) for r in (FormRenderer(), _TemplatesOnly())
        )
    assert ours == djangos
    assert "Poor &amp; sad" in ours and 'value="o&#x27;k"' in ours
    # The inputs were written by the renderer, not by the templates.
    assert FormRenderer()._writer("django/forms/widgets/radio_option.html") is not None
    assert FormRenderer()._writer("django/forms/widgets/text.html") is not None
    assert FormRenderer()._writer("django/forms/widgets/select.html") is None
