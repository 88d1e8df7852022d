"""What every account of a meeting with a person asks: how they seemed, anything worrying, a note.

One home for these questions, so the volunteer's visit report and the home-care professional's
lien-social session ask them in the same words and check them the same way.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from missions.models import VisitReport


class HowThePersonSeemedForm(forms.Form):
    """Mood (required: a form that asks it only sometimes makes it optional and checks it in clean),
    concerns (some of them urgent: the page shows the emergency numbers as soon as one is ticked)
    and notes."""

    mood = forms.ChoiceField(
        label=_("How did the person seem?"), choices=VisitReport.Mood.choices, widget=forms.RadioSelect
    )
    concerns = forms.MultipleChoiceField(
        label=_("Anything worrying? (optional)"),
        required=False,
        choices=VisitReport.Concern.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The concerns that call for the emergency numbers at once, for the page's script (pwa.js).
    urgent_concerns = " ".join(sorted(VisitReport.URGENT_CONCERNS))
