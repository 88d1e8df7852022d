"""What every form of the site shares: how a service's refusal lands on a form, and how an
invalid field says so to assistive technology."""

from django import forms
from django.conf import settings
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .errors import DomainError


def form_apply_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a service's refusal next to its field, or at the top of the form when the field it
    names is not on this form. The form stays bound, so what the person typed is shown again."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


class AccessibleBoundField(BoundField):
    """Points `aria-describedby` at the ids templates/_field.html gives the help text and the
    error list (`<id>-help`, `<id>-error`); Django adds `aria-invalid="true"` on fields with errors.

    Django's own ids (`<id>_helptext`, `<id>_error`) name nothing on our pages, and a screen
    reader following a dangling reference reads no message at all.
    """

    @property
    def aria_describedby(self):
        # An explicit aria-describedby on the widget wins, as in Django.
        if self.field.widget.attrs.get("aria-describedby"):
            return None
        ids = []
        if self.auto_id and not self.is_hidden:
            if self.help_text:
                ids.append(f"{self.auto_id}-help")
            if self.errors:
                ids.append(f"{self.auto_id}-error")
        return " ".join(ids)


class FormRenderer(DjangoTemplates):
    """The site's form renderer (settings.FORM_RENDERER): every form's fields are accessible
    bound fields, without each form having to ask."""

    bound_field_class = AccessibleBoundField


class LanguageForm(forms.Form):
    """The language of the account's messages (emails, text messages) and pages."""

    language = forms.ChoiceField(
        label=_("Language of your messages"),
        # Each language named in itself, so someone who cannot read the page still finds theirs.
        choices=[(code, get_language_info(code)["name_local"].capitalize()) for code, _name in settings.LANGUAGES],
        widget=forms.RadioSelect,
        help_text=_("Emails and text messages from Liens are written in this language; the pages follow it too."),
    )
