"""Give every directory record that existed before history was kept one baseline history row.

Without it the first change of an older record would have nothing to be compared with; the
baseline row says what the record held when history started (reason "baseline").
"""

from django.db import migrations
from django.utils import timezone

MODELS = [
    "Estate",
    "Building",
    "Unit",
    "PublicArea",
    "Resident",
    "ResidentPhone",
    "Occupancy",
    "Department",
    "Staff",
    "StaffRole",
]
BASELINE = "baseline"


def write_baseline(apps, schema_editor):
    now = timezone.now()
    for name in MODELS:
        model = apps.get_model("directory", name)
        historical = apps.get_model("directory", f"Historical{name}")
        tracked = [f.attname for f in historical._meta.concrete_fields if not f.name.startswith("history_")]
        rows = []
        for obj in model._base_manager.all().iterator(chunk_size=2000):
            values = {attname: getattr(obj, attname) for attname in tracked if hasattr(obj, attname)}
            rows.append(
                historical(
                    **values,
                    history_date=now,
                    history_type="+",
                    history_change_reason=BASELINE,
                )
            )
            if len(rows) >= 2000:
                historical.objects.bulk_create(rows)
                rows = []
        historical.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_history_and_ended_phones")]

    operations = [migrations.RunPython(write_baseline, migrations.RunPython.noop)]
