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
