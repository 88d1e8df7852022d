from django import forms
from django.utils.translation import gettext_lazy as _

from missions.association.forms import DateInput


class CertificatePeriodForm(forms.Form):
    """The period of a certificate of hours; the rule on it is certificates.certificate_period_check."""

    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())


class ActivityPeriodForm(forms.Form):
    """The period of an activity report (sent by GET, so a report's address can be kept); the
    rule on it is certificates.certificate_period_check, the one rule on a period of figures."""

    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())


class TerritoryActivityForm(ActivityPeriodForm):
    """A territory's report: the territory among those associations named, then the period."""

    territory = forms.ChoiceField(label=_("Territory"), choices=())

    field_order = ["territory", "start", "end"]

    def __init__(self, *args, territories: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].choices = [(name, name) for name in territories]
