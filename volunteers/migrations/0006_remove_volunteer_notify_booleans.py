"""The volunteer's old "by email", "by SMS" and "by web push" booleans go: User.notify_channels
holds the choice (carried over by 0005)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0005_notify_channels_from_volunteer_choices"),
    ]

    operations = [
        migrations.RemoveField(model_name="volunteer", name="notify_email"),
        migrations.RemoveField(model_name="volunteer", name="notify_sms"),
        migrations.RemoveField(model_name="volunteer", name="notify_push"),
    ]
