"""Forms of lien-social hours: the session in a few taps, and the association's plan."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import HowThePersonSeemedForm
from ..models import Association, LienSocialSession
from ..models.liensocial import MAX_HOURS_PER_MONTH

DURATIONS = [(30, _("30 min")), (60, _("1 h")), (90, _("1 h 30")), (120, _("2 h"))]


class SessionForm(HowThePersonSeemedForm):
    """A session on a phone: when (today by default), how long, what, how the person seemed."""

    field_order = ["date", "time", "duration_minutes", "activity", "mood", "concerns", "notes", "over_plan_reason"]

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration_minutes = forms.TypedChoiceField(
        label=_("Duration"), choices=DURATIONS, coerce=int, widget=forms.RadioSelect, initial=60
    )
    activity = forms.ChoiceField(
        label=_("Activity"), choices=LienSocialSession.Activity.choices, widget=forms.RadioSelect
    )
    over_plan_reason = forms.CharField(
        label=_("Reason for going beyond the plan (only if asked)"), required=False, max_length=300
    )


class PlanForm(forms.Form):
    """The association's coordinator gives the person a plan with a home-care service."""

    service = forms.ModelChoiceField(label=_("Home-care service"), queryset=Association.objects.none())
    hours_per_month = forms.IntegerField(
        label=_("Hours of lien social per month"), min_value=0, max_value=MAX_HOURS_PER_MONTH
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(
        label=_("Ends on (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        if services is not None:
            self.fields["service"].queryset = services


class PlanEndForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Last day of the plan"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def session_starts_at(data: dict, *, tz) -> datetime.datetime:
    """The session's start from the form's local date and time, in the service's time zone."""
    return datetime.datetime.combine(data["date"], data["time"], tzinfo=tz)
