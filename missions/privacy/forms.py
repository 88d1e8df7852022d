from django import forms
from django.utils.translation import gettext_lazy as _


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand: the person's identifying data and notes are erased for good."),
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )
