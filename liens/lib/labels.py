"""get_FOO_display() without rebuilding the field's choices at every call.

Django's Model._get_FIELD_display flattens the field's choices and builds a dictionary of them
each time it is called: a list of 20 missions showing each one's kind and status builds 40. A
model that lists rows takes ChoiceLabels first among its bases: the labels of a field whose
choices are fixed (a list, as every TextChoices gives) are read into a dictionary once per
field; the label is still translated at each call, into the language of the moment. Fields
whose choices are computed (a callable) keep Django's way.
"""

from django.conf import settings
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.hashable import make_hashable
from django.utils.translation import trans_real

_LABELS: dict = {}


def _labels(field) -> dict | None:
    try:
        return _LABELS[field]
    except KeyError:
        pass
    labels = dict(make_hashable(field.flatchoices)) if isinstance(field.choices, (list, tuple)) else None
    _LABELS[field] = labels
    return labels


class ChoiceLabels:
    """A model mixin: get_FOO_display() as Django's, reading the labels once per field."""

    def _get_FIELD_display(self, field):
        labels = _labels(field)
        if labels is None:
            return super()._get_FIELD_display(field)
        value = getattr(self, field.attname)
        # force_str() translates a lazy label now, as Django's does.
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


# A field's labels as the catalogue's msgids, by value (label_in), or None for a field whose
# labels are not each a plain gettext_lazy("...") of their msgid.
_MSGIDS: dict = {}


def _msgids(field) -> dict | None:
    try:
        return _MSGIDS[field]
    except KeyError:
        pass
    labels = _labels(field)
    msgids = None
    if labels is not None:
        with translation.override(None):  # no catalogue: a lazy label reads as its msgid
            msgids = {value: str(label) for value, label in labels.items() if isinstance(label, Promise)}
        # Checked once, in each of the site's languages: a label built otherwise (formatted,
        # concatenated, with a context) keeps Django's way.
        for language, _name in settings.LANGUAGES:
            catalogue = trans_real.translation(language)
            with translation.override(language):
                if any(catalogue.gettext(msgids[value]) != str(labels[value]) for value in msgids):
                    msgids = None
                    break
    _MSGIDS[field] = msgids
    return msgids


def label(obj, name: str) -> str:
    """obj.get_<name>_display(), by the field's name (the partials' `label`, liens.jinja)."""
    return getattr(obj, f"get_{name}_display")()


def label_in(catalogue, obj, name: str) -> str:
    """What obj.get_<name>_display() answers, translated by `catalogue`, the render's own
    (liens.jinja.bound_to_active), rather than by the language read from the thread-and-task
    local at each label: about 1 µs rather than 5, for the kind and status of every row."""
    field = obj._meta.get_field(name)
    msgids = _msgids(field)
    if msgids is not None:
        msgid = msgids.get(make_hashable(getattr(obj, field.attname)))
        if msgid is not None:
            return catalogue.gettext(msgid)
    return label(obj, name)  # a label in plain text, or a value outside the choices
