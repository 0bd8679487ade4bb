"""PostgreSQL: store the text vector in a generated column with a GIN index (see shouwen.cases.search)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from shouwen.cases.search import store_vector

    store_vector(schema_editor)


def backwards(apps, schema_editor):
    from shouwen.cases.search import unstore_vector

    unstore_vector(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_contact_caller_phone_index")]

    operations = [migrations.RunPython(forwards, backwards)]
