"""Forms of the visits pages; they validate input, services do the work."""

from django import forms
from django.utils.translation import gettext_lazy as _

from missions.models import Membership


class CantComeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can't you come? (optional)"),
        help_text=_("A few words help the coordinator find someone else or warn the person."),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StaffCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class MoveForm(forms.Form):
    day = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.TimeField(label=_("New time"), widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class DigestModeForm(forms.Form):
    digest_mode = forms.ChoiceField(
        label=_("How do you want to hear about visits needing attention?"),
        choices=Membership.DigestMode.choices,
        widget=forms.RadioSelect,
    )
