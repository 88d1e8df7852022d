"""get_FOO_display() of the listed models (liens.lib.labels.ChoiceLabels) is Django's, in each language."""

import pytest
from django.apps import apps
from django.db.models import Model
from django.utils import translation

from liens.lib.labels import ChoiceLabels


def _choice_fields():
    for model in apps.get_models():
        if issubclass(model, ChoiceLabels):
            for field in model._meta.concrete_fields:
                if field.choices:
                    yield model, field


def test_the_listed_models_show_their_labels_as_django_does():
    fields = list(_choice_fields())
    assert {model.__name__ for model, _field in fields} >= {"Mission", "Visit", "Match", "IsolationAlert"}
    for language in ("fr", "en"):
        with translation.override(language):
            for model, field in fields:
                obj = model()
                display = getattr(obj, f"get_{field.name}_display")
                for value, _label in field.flatchoices:
                    setattr(obj, field.attname, value)
                    assert display() == Model._get_FIELD_display(obj, field)
                setattr(obj, field.attname, "not-a-choice")
                assert display() == "not-a-choice"


def test_a_label_follows_the_language_of_the_moment():
    from missions.models import Mission

    mission = Mission(status=Mission.Status.OPEN)
    shown = {}
    for language in ("en", "fr", "en"):
        with translation.override(language):
            assert mission.get_status_display() == str(Mission.Status.OPEN.label)
            shown[language] = mission.get_status_display()
    assert shown["en"] != shown["fr"]


@pytest.mark.django_db
def test_no_migration_is_missing():
    from io import StringIO

    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_the_partials_label_is_django_s_in_each_language_bound_or_not():
    """label(row, "status") in a Jinja2 partial: Django's get_status_display(), whether the
    partial was given the render's catalogue (liens.jinja.bound_to_active) or asks as it goes."""
    from liens.jinja import bound_to_active
    from liens.lib.labels import label

    fields = list(_choice_fields())
    for language in ("fr", "en", "fr"):
        with translation.override(language):
            bound = bound_to_active()["label"]
            for model, field in fields:
                obj = model()
                for value, _label in [*field.flatchoices, ("not-a-choice", None)]:
                    setattr(obj, field.attname, value)
                    expected = Model._get_FIELD_display(obj, field)
                    assert bound(obj, field.name) == label(obj, field.name) == expected, (model, field, value)


def test_a_label_built_otherwise_than_by_gettext_lazy_keeps_django_s_way():
    """A label formatted from a lazy string is no msgid: the bound label asks Django, and still
    writes it in the render's language."""
    from django.db import models
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from liens.jinja import bound_to_active
    from liens.lib.labels import _msgids

    field = models.CharField(
        choices=[("a", format_lazy("{} !", gettext_lazy("Open"))), ("b", gettext_lazy("Closed")), ("c", "Plain")]
    )
    field.set_attributes_from_name("state")
    assert _msgids(field) is None

    class Row:
        _meta = type("Meta", (), {"get_field": staticmethod(lambda name: field)})
        state = "a"

        def get_state_display(self):
            return Model._get_FIELD_display(self, field)

    with translation.override("fr"):
        assert bound_to_active()["label"](Row(), "state") == "Ouverte !"
