"""The access log is append-only in the database too (PostgreSQL): a row's subject, details
and time can never be rewritten. Deleting stays possible, for the retention job; setting the
user to NULL stays possible, for the ON DELETE SET NULL of a deleted account."""

from django.db import migrations

CREATE = """
CREATE FUNCTION liens_sensitive_access_append_only() RETURNS trigger AS $$
BEGIN
    IF NEW.subject IS DISTINCT FROM OLD.subject
       OR NEW.what IS DISTINCT FROM OLD.what
       OR NEW.at IS DISTINCT FROM OLD.at
       OR (NEW.user_id IS DISTINCT FROM OLD.user_id AND NEW.user_id IS NOT NULL) THEN
        RAISE EXCEPTION 'the access log is append-only' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER sensitive_access_append_only BEFORE UPDATE ON liens_sensitiveaccess
    FOR EACH ROW EXECUTE FUNCTION liens_sensitive_access_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS sensitive_access_append_only ON liens_sensitiveaccess;
DROP FUNCTION IF EXISTS liens_sensitive_access_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("liens", "0003_retention_indexes")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
