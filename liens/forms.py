"""What every form of the site shares: how a service's refusal lands on a form, and how an
invalid field says so to assistive technology."""

import functools

from django import forms
from django.conf import settings
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.template import engines
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .jinja import bound_to_active


def form_apply_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a service's refusal next to its field, or at the top of the form when the field it
    names is not on this form. The form stays bound, so what the person typed is shown again."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


class AccessibleBoundField(BoundField):
    """Points `aria-describedby` at the ids liens/jinja2/_field.html gives the help text and the
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


# Django's templates of an <input> (input.html, its attributes, and the input of a radio or
# checkbox in a group), as they read in the Django this site runs on. A group of choices renders
# three nested templates per choice: the renderer writes those inputs itself, in one pass, while
# these templates read exactly so; anything else (another Django, an override) renders as usual.
_INPUT_SOURCES = {
    "django/forms/widgets/attrs.html": (
        "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}"
    ),
    "django/forms/widgets/input.html": (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %} '
        "value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
        '{% include "django/forms/widgets/attrs.html" %}>\n'
    ),
    "django/forms/widgets/input_option.html": (
        '{% if widget.wrap_label %}<label{% if widget.attrs.id %} for="{{ widget.attrs.id }}"{% endif %}>'
        '{% endif %}{% include "django/forms/widgets/input.html" %}'
        "{% if widget.wrap_label %} {{ widget.label }}</label>{% endif %}\n"
    ),
}
_INCLUDES = {
    '{% include "django/forms/widgets/input.html" %}': "django/forms/widgets/input.html",
    '{% include "django/forms/widgets/input_option.html" %}': "django/forms/widgets/input_option.html",
}


def _text(value) -> str:
    """`{{ value|stringformat:'s' }}` and `{{ name }}` in an attribute: escaped unless safe."""
    return conditional_escape(value) if isinstance(value, SafeData) else escape(f"{value}")


def _attrs(attrs: dict) -> str:
    """attrs.html: each attribute, a True one by its name alone, a False one left out."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _input_option(widget: dict) -> str | None:
    if not widget.get("wrap_label"):
        return _input(widget)
    label = widget["label"]
    if not isinstance(label, str | Promise):
        return None  # a number or a date the template would localize: let it
    label_for = widget["attrs"].get("id")
    opening = f'<label for="{_text(label_for)}">' if label_for else "<label>"
    # input.html ends with a new line, which its include keeps inside the label.
    return f"{opening}{_input(widget)}\n {conditional_escape(label)}</label>"


class Select(forms.Select):
    """Django's select, written in one pass rather than by a template per option (select.html,
    select_option.html and attrs.html for each): the same HTML, for a list of filters a page
    shows at every visit. An option has no attribute but `selected`, as in Django
    (option_inherits_attrs is False)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        html = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                selected = " selected" if option["selected"] else ""
                label = conditional_escape(option["label"])
                html.append(f'\n  <option value="{_text(option["value"])}"{selected}>{label}</option>\n')
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html).strip())  # noqa: S308 - every part escaped above


class JinjaRendered:
    """A form mixin: the form written by a Jinja2 template of its own (`template_name`, in an
    app's jinja2/ folder: liens.jinja), for a form a page shows at every visit. Django's form
    templates cost a few µs per tag and variable, a filter form of four fields about 0.8 ms;
    its fields' widgets and error lists render as usual. Its other templates (as_p, as_div...)
    are Django's."""

    def render(self, template_name=None, context=None, renderer=None):
        if template_name not in (None, self.template_name):
            return super().render(template_name, context, renderer)
        template = engines["jinja2"].env.get_template(self.template_name)
        values = {**(context or self.get_context()), **bound_to_active()}
        # Stripped, as Django's renderers strip what their templates write.
        return mark_safe(template.render(values).strip())  # noqa: S308 - Jinja2 escaped it

    # Django binds these to its own render: they follow this one.
    def __str__(self):
        return self.render()

    __html__ = __str__


class FormRenderer(DjangoTemplates):
    """The site's form renderer (settings.FORM_RENDERER): every form's fields are accessible
    bound fields, without each form having to ask; inputs are written in one pass
    (_INPUT_SOURCES), the same HTML as Django's templates."""

    bound_field_class = AccessibleBoundField

    def render(self, template_name, context, request=None):
        write = self._writer(template_name)
        if write is not None:
            html = write(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)

    @functools.cache  # noqa: B019 - one renderer per process (Django keeps it), a few names
    def _writer(self, template_name: str):
        """How to write `template_name` in one pass, or None to render the template."""
        sources = {name: self.get_template(name).template.source for name in _INPUT_SOURCES}
        if sources != _INPUT_SOURCES:
            return None
        source = self.get_template(template_name).template.source
        # A template that only includes one of them writes what it writes (the answer is stripped).
        name = _INCLUDES.get(source.strip(), template_name if source in _INPUT_SOURCES.values() else None)
        return {
            "django/forms/widgets/input.html": _input,
            "django/forms/widgets/input_option.html": _input_option,
        }.get(name)


class LanguageForm(forms.Form):
    """The language of the account's messages (emails, text messages) and pages."""

    language = forms.ChoiceField(
        label=_("Language of your messages"),
        # Each language named in itself, so someone who cannot read the page still finds theirs.
        choices=[(code, get_language_info(code)["name_local"].capitalize()) for code, _name in settings.LANGUAGES],
        widget=forms.RadioSelect,
        help_text=_("Emails and text messages from Liens are written in this language; the pages follow it too."),
    )
