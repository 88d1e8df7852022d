"""An alert's association is its person's: one composite foreign key on PostgreSQL.

IsolationAlert copies its beneficiary's association (the review queue filters on one table, and
who may see an alert follows the copy). On PostgreSQL the two single-column foreign keys give way
to one on (association_id, beneficiary_id) referencing the person's (association_id, id), which
beneficiary_in_association makes unique: the copy can no longer differ from the person's own.
Django has no composite foreign key, so the fields say db_constraint=False and the key is added
here by hand. SQLite (the embedded default) keeps its single-column keys, unchanged.
"""

import django.db.models.deletion
from django.db import migrations, models

ALERTS = "missions_isolationalert"
COMPOSITE = "alert_association_is_the_persons"


def _single_column_keys(schema_editor, columns):
    with schema_editor.connection.cursor() as cursor:
        found = schema_editor.connection.introspection.get_constraints(cursor, ALERTS)
    return [
        name
        for name, info in found.items()
        if info["foreign_key"] and len(info["columns"]) == 1 and info["columns"][0] in columns
    ]


def composite_key_add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _single_column_keys(schema_editor, {"beneficiary_id", "association_id"}):
        schema_editor.execute(f'ALTER TABLE {ALERTS} DROP CONSTRAINT "{name}"')
    schema_editor.execute(
        f"ALTER TABLE {ALERTS} ADD CONSTRAINT {COMPOSITE} FOREIGN KEY (association_id, beneficiary_id)"
        " REFERENCES missions_beneficiary (association_id, id) DEFERRABLE INITIALLY DEFERRED"
    )


def composite_key_remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {ALERTS} DROP CONSTRAINT {COMPOSITE}")
    for column, table in (("beneficiary_id", "missions_beneficiary"), ("association_id", "missions_association")):
        schema_editor.execute(
            f"ALTER TABLE {ALERTS} ADD CONSTRAINT {ALERTS}_{column}_fk FOREIGN KEY ({column})"
            f" REFERENCES {table} (id) DEFERRABLE INITIALLY DEFERRED"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("missions", "0005_alert_partial_link_indexes"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="beneficiary",
            constraint=models.UniqueConstraint(fields=("association", "id"), name="beneficiary_in_association"),
        ),
        # The unique index above starts with the association: the key's own index is redundant.
        migrations.AlterField(
            model_name="beneficiary",
            name="association",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="beneficiaries",
                to="missions.association",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="isolationalert",
                    name="association",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alerts",
                        to="missions.association",
                    ),
                ),
                migrations.AlterField(
                    model_name="isolationalert",
                    name="beneficiary",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alerts",
                        to="missions.beneficiary",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(composite_key_add, composite_key_remove)],
        ),
    ]
