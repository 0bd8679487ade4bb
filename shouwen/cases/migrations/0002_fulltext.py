from django.db import migrations


def forwards(apps, schema_editor):
    from shouwen.cases.search import install_index

    install_index(schema_editor)


def backwards(apps, schema_editor):
    from shouwen.cases.search import remove_index

    remove_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
