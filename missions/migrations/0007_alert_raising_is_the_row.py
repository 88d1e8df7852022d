"""The raising of an alert is recorded by the alert row, no longer by a stored "raised" event.

The timeline's first line is made from the row (missions.alerts.selectors.alert_raised_line);
events stored earlier for the raising would show it twice.
"""

from django.db import migrations


def raised_events_remove(apps, schema_editor):
    apps.get_model("missions", "AlertEvent").objects.filter(kind="raised").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("missions", "0006_alert_association_is_the_persons"),
    ]

    operations = [
        # Nothing to put back going backwards: the row still holds what the events said.
        migrations.RunPython(raised_events_remove, migrations.RunPython.noop),
    ]
