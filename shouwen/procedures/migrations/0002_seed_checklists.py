"""Seed the document checklists from the customer-service work rules (seed 001: 入住 ①, 装修 (1)–(5))."""

from django.db import migrations


def seed(apps, schema_editor):
    from shouwen.procedures.seed import seed_checklists

    seed_checklists(apps.get_model("procedures", "Procedure"), apps.get_model("procedures", "ChecklistItem"))


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
