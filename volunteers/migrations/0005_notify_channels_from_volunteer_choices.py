"""Carry each volunteer's old "by email" / "by SMS" choice into their channels per group of
messages (User.notify_channels), the one home of that choice from now on.

Only volunteers who expressed something other than the outbox's defaults (email, and SMS only
when urgent) get rows: SMS on, or email off. Each group they had not set yet takes their old
ways, so what reaches them does not change: a volunteer who had left SMS off keeps no SMS in any
group (nothing is written, the defaults give none but urgent ones), one who had turned email off
and SMS on keeps SMS alone. A group they had already chosen on the notifications page keeps that
choice (it already won over the old booleans). "By web push" was never read and is not carried.
Volunteers who have left (every way off) are skipped: the leaving cleared their choices.
"""

from django.db import migrations

# NOTIFICATION_GROUPS' names when this migration was written (liens/notify.py). "alerts" too:
# the old booleans applied to every kind, so a volunteer who is also staff keeps them there.
GROUPS = ("reminders", "matches", "alerts", "messages")


def carry_choices(apps, schema_editor):
    Volunteer = apps.get_model("volunteers", "Volunteer")
    User = apps.get_model("liens", "User")
    expressed = (
        Volunteer.objects.filter(left_at__isnull=True)
        .exclude(notify_email=True, notify_sms=False)
        .exclude(notify_email=False, notify_sms=False)
        .values_list("user_id", "notify_email", "notify_sms")
    )
    for user_id, by_email, by_sms in expressed.iterator(chunk_size=1000):
        ways = ["email"] * by_email + ["sms"] * by_sms
        user = User.objects.only("notify_channels").get(pk=user_id)
        stored = dict(user.notify_channels or {})
        missing = {group: list(ways) for group in GROUPS if group not in stored}
        if missing:
            User.objects.filter(pk=user_id).update(notify_channels={**stored, **missing})


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0004_matching_scale_indexes"),
        ("liens", "0007_notification_to_an_address"),
    ]

    operations = [migrations.RunPython(carry_choices, migrations.RunPython.noop, elidable=True)]
