"""The pg_trgm extension, for the employee directory's search indexes (verification 0005).

An extension belongs to the whole database, and this app's migrations run in the public
schema, so it lands there once; tenant migrations run with search_path "<schema>, public"
and find its operator classes. CREATE EXTENSION needs the CREATE privilege on the database
(pg_trgm is a trusted extension since PostgreSQL 13) or a superuser: see README, "Deploy".
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0004_retention_days"),
    ]

    operations = [
        TrigramExtension(),
    ]
