"""The catalogue's filters: a GET form anyone may fill; it checks shapes, the selectors read."""

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from liens.choices import VisitKind
from liens.geocoding import geocode, is_french_postcode

from .selectors import RADII_KM, CatalogueFilters


class CatalogueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Every kind")), *VisitKind.choices])
    weekday = forms.TypedChoiceField(
        label=_("Day"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any day")), *((i, WEEKDAYS[i]) for i in range(7))],
    )
    period = forms.ChoiceField(
        label=_("Time of day"),
        required=False,
        choices=[
            ("", _("Any time")),
            ("morning", _("Morning")),
            ("afternoon", _("Afternoon")),
            ("evening", _("Evening")),
        ],
    )
    town = forms.ChoiceField(label=_("Town"), required=False)
    postcode = forms.CharField(
        label=_("Your postcode"),
        required=False,
        max_length=5,
        help_text=_("To see how far each mission is."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    radius = forms.TypedChoiceField(
        label=_("Within"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any distance")), *((km, _("%(km)s km") % {"km": km}) for km in RADII_KM)],
    )

    def __init__(self, *args, towns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [("", _("Every town")), *((town, town) for town in towns)]

    def clean_postcode(self) -> str:
        postcode = (self.cleaned_data.get("postcode") or "").strip()
        self.origin = None
        if not postcode:
            return ""
        point = geocode(postcode) if is_french_postcode(postcode) else None
        if point is None:
            raise forms.ValidationError(_("We do not know this postcode."))
        self.origin = (point.latitude, point.longitude)
        return postcode

    def clean(self):
        data = super().clean()
        if data.get("radius") and not data.get("postcode") and not self.has_error("postcode"):
            self.add_error("postcode", _("Give your postcode to search within a distance."))
        return data

    def filters(self) -> CatalogueFilters:
        """The filters to apply: those that are valid (a wrong postcode leaves the others on)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return CatalogueFilters(
            kind=data.get("kind") or "",
            weekday=data.get("weekday"),
            period=data.get("period") or "",
            town=data.get("town") or "",
            origin=getattr(self, "origin", None) if "postcode" in data else None,
            radius_km=data.get("radius") if "postcode" in data and data.get("postcode") else None,
        )
