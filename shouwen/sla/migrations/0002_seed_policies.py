"""Seed the deadline policies from the work rules (seed 001 投诉接待 (5), 报修接待 ④; seed 000 第十八条)."""

from django.db import migrations


def seed(apps, schema_editor):
    from shouwen.sla.seed import seed_policies

    seed_policies(apps.get_model("sla", "DeadlinePolicy"))


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
