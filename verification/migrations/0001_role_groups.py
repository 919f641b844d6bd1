"""Create one auth group per staff role in every organization's schema (via the template)."""

from django.db import migrations

ROLES = ("owner", "hr_admin", "viewer")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=f"role:{role}")


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[f"role:{r}" for r in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, delete_groups)]
