"""When a person was first followed: the start of the silence of someone never contacted.

Existing people followed get the best date known: the later of the record's creation and the
consent date (activation needs consent, so it came after both), but no later than their first
mission or their first contact (both need a person followed). An early estimate is the safe
side: a never-contacted person's deadline comes sooner, never later."""

import datetime

from django.db import migrations, models
from django.db.models import Min, Q


def backfill(apps, schema_editor):
    Beneficiary = apps.get_model("missions", "Beneficiary")
    followed = (
        Beneficiary.objects.exclude(status="intake")
        .annotate(first_mission=Min("missions__created_at"), first_contact=Min("contacts__occurred_at"))
        .values_list("pk", "created_at", "consent_on", "first_mission", "first_contact")
    )
    for pk, created, consent_on, first_mission, first_contact in followed.iterator(chunk_size=500):
        start = created
        if consent_on is not None:
            start = max(start, datetime.datetime.combine(consent_on, datetime.time.min, tzinfo=datetime.UTC))
        start = min([start, *(d for d in (first_mission, first_contact) if d is not None)])
        Beneficiary.objects.filter(pk=pk).update(followed_since=start)


class Migration(migrations.Migration):
    dependencies = [("missions", "0011_conversations")]

    operations = [
        migrations.AddField(
            model_name="beneficiary", name="followed_since", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="beneficiary",
            constraint=models.CheckConstraint(
                condition=Q(status__in=["intake", "ended"]) | Q(followed_since__isnull=False),
                name="beneficiary_followed_has_start",
            ),
        ),
    ]
