"""Forms of the volunteer's side of missions: declining a match, changing a visit, the report.
Invalid fields are marked for screen readers by the site's form renderer (liens/forms.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from missions.forms import HowThePersonSeemedForm


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class MoveVisitForm(forms.Form):
    date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(label=_("New time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReportForm(HowThePersonSeemedForm):
    """The report in three taps: happened? how did the person seem? send."""

    field_order = ["happened", "mood", "concerns", "notes", "duration_minutes"]

    happened = forms.TypedChoiceField(
        label=_("Did the visit take place?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    duration_minutes = forms.IntegerField(
        label=_("How long, in minutes (optional)"), required=False, min_value=1, max_value=600
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Asked only when the visit took place (clean).
        self.fields["mood"].required = False

    def clean(self):
        data = super().clean()
        if data.get("happened") and not data.get("mood"):
            self.add_error("mood", _("Tell us how the person seemed."))
        return data
