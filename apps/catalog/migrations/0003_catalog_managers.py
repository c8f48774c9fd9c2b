"""The catalog builder's permission (catalog.manage_catalog) and the Catalog managers group holding every
catalog permission (apps.catalog.roles)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from apps.catalog.roles import CATALOG_MANAGERS, catalog_managers_sync


def create_catalog_managers(apps, schema_editor):
    # On a fresh database permissions are only created after all migrations (post_migrate): create the
    # catalog's now so that the group can be given them.
    create_permissions(
        global_apps.get_app_config("catalog"), apps=apps, verbosity=0, using=schema_editor.connection.alias
    )
    catalog_managers_sync(
        group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission")
    )


def delete_catalog_managers(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=CATALOG_MANAGERS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_automation"),
        ("accounts", "0002_create_role_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="catalogitem",
            options={
                "ordering": ["name"],
                "permissions": [("manage_catalog", "Can manage the catalog: services, items and request forms")],
            },
        ),
        migrations.RunPython(create_catalog_managers, delete_catalog_managers),
    ]
