"""Forms of the volunteer pages. They check shapes; the services check the rules."""

import datetime
from decimal import Decimal

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from liens.choices import Interest, Language, VisitKind
from liens.errors import DomainError

from .services import PERIOD_LABELS, PERIODS, location_resolve, phone_normalise


class SignupForm(AllauthSignupForm):
    """Sign-up asks only what is needed to start; the rest comes in the profile wizard."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=5,
        help_text=_("To find missions near you."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        required=False,
        max_length=32,
        help_text=_("For reminders by text message, if you want them."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
    )
    field_order = ["first_name", "email", "password1", "postcode", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One line instead of the validators' four bullets; a refused password still says why.
        self.fields["password1"].help_text = _("At least 8 characters; not only digits, not a common password.")

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data["postcode"].strip()
        try:
            self.postcode_point = location_resolve(postcode=postcode)
        except DomainError as error:
            raise forms.ValidationError(str(error.message)) from error
        return postcode

    def clean_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data.get("phone", ""))
        except DomainError as error:
            raise forms.ValidationError(str(error.message)) from error

    def save(self, request):
        # One transaction for the user, their email address and their volunteer profile
        # (created by the account adapter's save_user): all or nothing.
        with transaction.atomic():
            return super().save(request)


class AvailabilityForm(forms.Form):
    """The weekly grid: one checkbox per weekday and period."""

    def __init__(self, *args, cells: set[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cells = cells or set()
        for weekday in range(7):
            for period in PERIODS:
                self.fields[f"d{weekday}_{period}"] = forms.BooleanField(
                    required=False,
                    initial=(weekday, period) in cells,
                    label=f"{WEEKDAYS[weekday]} — {PERIOD_LABELS[period]}",
                )

    def rows(self):
        """(weekday label, [bound fields]) per day, for the grid template."""
        return [(WEEKDAYS[d], [self[f"d{d}_{p}"] for p in PERIODS]) for d in range(7)]

    def periods(self):
        return [PERIOD_LABELS[p] for p in PERIODS]

    def ranges(self) -> list[tuple[int, datetime.time, datetime.time]]:
        return [
            (weekday, *PERIODS[period])
            for weekday in range(7)
            for period in PERIODS
            if self.cleaned_data.get(f"d{weekday}_{period}")
        ]


class PlaceForm(forms.Form):
    address = forms.CharField(
        label=_("Street and number (optional)"),
        required=False,
        max_length=200,
        help_text=_("Only used to measure distances; nobody sees it."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=5,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    travel_radius_km = forms.DecimalField(
        label=_("How far can you go? (km)"), min_value=Decimal("0.5"), max_value=100, decimal_places=1, max_digits=4
    )


class InterestsForm(forms.Form):
    interests = forms.MultipleChoiceField(
        label=_("What do you enjoy?"), required=False, choices=Interest.choices, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"), choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )


class KindsForm(forms.Form):
    visit_kinds = forms.MultipleChoiceField(
        label=_("Kinds of visit you accept"), choices=VisitKind.choices, widget=forms.CheckboxSelectMultiple
    )
    max_commitments = forms.IntegerField(
        label=_("How many people at most at the same time?"), min_value=1, max_value=10
    )


class CharterForm(forms.Form):
    charter = forms.BooleanField(label=_("I have read and accept the volunteer charter"))
    data_consent = forms.BooleanField(
        label=_("I agree that the association keeps my details to organise visits, as explained above")
    )


class NotificationsForm(forms.Form):
    notify_email = forms.BooleanField(label=_("By email"), required=False)
    notify_sms = forms.BooleanField(label=_("By text message (SMS)"), required=False)
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
    )
    quiet_from = forms.TimeField(
        label=_("No messages from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_until = forms.TimeField(label=_("until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class FutureDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value):
        super().validate(value)
        if value and value <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date after today."))


class PauseForm(forms.Form):
    until = FutureDateField(label=_("Pause until (included)"))
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=200)
