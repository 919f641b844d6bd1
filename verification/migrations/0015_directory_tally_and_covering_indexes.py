"""The directory without reading every employee it counts or skips.

* The name index carries the id, and the department and location indexes the id and the
  columns the other filters test, so that a page's ids and how many match are read from the
  index alone (an index-only scan) instead of from every row skipped or counted.
* ``verification_employeetally``: how many employees each (is_active, progress) group holds,
  kept by statement triggers on the employee table (models.employees.EmployeeTally). Each
  statement that moves employees into or out of a group inserts one row per group it changed
  (+n / -n, from the statement's transition tables); nothing is ever updated in place, so
  writers do not queue behind each other on a counter row. TRUNCATE empties it. The table is
  named through TG_TABLE_SCHEMA, so a write that names the employee table with its schema
  (a COPY from another search path) is counted in that organization. Filled from the
  employees on record in the same transaction that creates the triggers.
"""

from django.db import migrations, models

SQL = """
CREATE OR REPLACE FUNCTION verification_employee_tally() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format(
            'INSERT INTO %I.verification_employeetally (is_active, progress, n) '
            'SELECT is_active, progress, count(*) FROM new_rows GROUP BY 1, 2',
            TG_TABLE_SCHEMA);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format(
            'INSERT INTO %I.verification_employeetally (is_active, progress, n) '
            'SELECT is_active, progress, -count(*) FROM old_rows GROUP BY 1, 2',
            TG_TABLE_SCHEMA);
    ELSE
        EXECUTE format(
            'INSERT INTO %I.verification_employeetally (is_active, progress, n) '
            'SELECT is_active, progress, sum(n) FROM ('
            '    SELECT is_active, progress, 1 AS n FROM new_rows'
            '    UNION ALL SELECT is_active, progress, -1 FROM old_rows'
            ') AS moved GROUP BY 1, 2 HAVING sum(n) <> 0',
            TG_TABLE_SCHEMA);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION verification_employee_tally_truncate() RETURNS trigger AS $$
BEGIN
    EXECUTE format('DELETE FROM %I.verification_employeetally', TG_TABLE_SCHEMA);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER verification_employee_tally_insert
    AFTER INSERT ON verification_employee REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION verification_employee_tally();
CREATE TRIGGER verification_employee_tally_update
    AFTER UPDATE ON verification_employee REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION verification_employee_tally();
CREATE TRIGGER verification_employee_tally_delete
    AFTER DELETE ON verification_employee REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION verification_employee_tally();
CREATE TRIGGER verification_employee_tally_truncate
    AFTER TRUNCATE ON verification_employee
    FOR EACH STATEMENT EXECUTE FUNCTION verification_employee_tally_truncate();

INSERT INTO verification_employeetally (is_active, progress, n)
    SELECT is_active, progress, count(*) FROM verification_employee GROUP BY 1, 2;
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS verification_employee_tally_truncate ON verification_employee;
DROP TRIGGER IF EXISTS verification_employee_tally_delete ON verification_employee;
DROP TRIGGER IF EXISTS verification_employee_tally_update ON verification_employee;
DROP TRIGGER IF EXISTS verification_employee_tally_insert ON verification_employee;
DROP FUNCTION IF EXISTS verification_employee_tally_truncate();
DROP FUNCTION IF EXISTS verification_employee_tally();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('verification', '0014_audit_actions'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='employee',
            index=models.Index(fields=['full_name', 'code'], include=('id',), name='employee_name_code_id'),
        ),
        migrations.RemoveIndex(
            model_name='employee',
            name='employee_name_code',
        ),
        migrations.AddIndex(
            model_name='employee',
            index=models.Index(
                fields=['department', 'full_name', 'code'],
                include=('id', 'vaccination_status', 'progress', 'is_active'),
                name='employee_department_rows',
            ),
        ),
        migrations.RemoveIndex(
            model_name='employee',
            name='employee_department_name',
        ),
        migrations.AddIndex(
            model_name='employee',
            index=models.Index(
                fields=['location', 'full_name', 'code'],
                include=('id', 'vaccination_status', 'progress', 'is_active'),
                name='employee_location_rows',
            ),
        ),
        migrations.RemoveIndex(
            model_name='employee',
            name='employee_location_name',
        ),
        migrations.CreateModel(
            name='EmployeeTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('is_active', models.BooleanField()),
                ('progress', models.CharField(max_length=16)),
                ('n', models.BigIntegerField()),
            ],
        ),
        migrations.RunSQL(SQL, REVERSE_SQL),
    ]
