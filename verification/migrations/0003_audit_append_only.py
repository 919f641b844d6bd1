"""The database itself refuses to change or remove audit events."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION verification_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'verification_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER verification_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON verification_auditevent
    FOR EACH ROW EXECUTE FUNCTION verification_auditevent_append_only();
CREATE TRIGGER verification_auditevent_no_truncate
    BEFORE TRUNCATE ON verification_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION verification_auditevent_append_only();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS verification_auditevent_no_truncate ON verification_auditevent;
DROP TRIGGER IF EXISTS verification_auditevent_no_update_delete ON verification_auditevent;
DROP FUNCTION IF EXISTS verification_auditevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("verification", "0002_employee_consent_verification")]
    operations = [migrations.RunSQL(SQL, REVERSE_SQL)]
