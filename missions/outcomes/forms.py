from django import forms
from django.utils.translation import gettext_lazy as _

from missions.association.forms import DateInput


class CertificatePeriodForm(forms.Form):
    """The period of a certificate of hours; the rule on it is certificates.certificate_period_check."""

    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())
