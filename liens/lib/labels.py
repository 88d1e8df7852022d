"""get_FOO_display() without rebuilding the field's choices at every call.

Django's Model._get_FIELD_display flattens the field's choices and builds a dictionary of them
each time it is called: a list of 20 missions showing each one's kind and status builds 40. A
model that lists rows takes ChoiceLabels first among its bases: the labels of a field whose
choices are fixed (a list, as every TextChoices gives) are read into a dictionary once per
field; the label is still translated at each call, into the language of the moment. Fields
whose choices are computed (a callable) keep Django's way.
"""

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

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
