"""Forms of the coordinator pages: small, one per action."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProposeForm(forms.Form):
    volunteer = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DayForm(forms.Form):
    on = forms.DateField(label=_("On"), widget=DateInput(), initial=timezone.localdate)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class BatchForm(forms.Form):
    association = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    territory = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
