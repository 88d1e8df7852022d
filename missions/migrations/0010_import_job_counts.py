"""Import jobs count their valid and invalid rows once, at the check, instead of on each read."""

from django.db import migrations, models


def count_rows(apps, schema_editor):
    ImportJob = apps.get_model("missions", "ImportJob")
    for job in ImportJob.objects.exclude(rows=[]).iterator(chunk_size=100):
        valid = sum(1 for row in job.rows if row.get("valid"))
        ImportJob.objects.filter(pk=job.pk).update(valid_count=valid, invalid_count=len(job.rows) - valid)


class Migration(migrations.Migration):
    dependencies = [("missions", "0009_erasure_and_retention")]

    operations = [
        migrations.AddField(model_name="importjob", name="valid_count", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="importjob", name="invalid_count", field=models.PositiveIntegerField(default=0)),
        migrations.RunPython(count_rows, migrations.RunPython.noop),
    ]
