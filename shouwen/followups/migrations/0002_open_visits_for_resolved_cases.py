"""Open a return visit for every repair or complaint already resolved before return visits existed.

Without one, such a case could only be closed by a supervisor with a reason.
"""

from datetime import datetime, timedelta

from django.db import migrations
from django.utils import timezone

CATEGORIES = ["household_repair", "public_repair", "complaint"]


def _default_due(start):
    day = timezone.localdate(start) + timedelta(days=3)  # end of the 2nd day after (the day itself is 0)
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def open_visits(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Deadline = apps.get_model("sla", "Deadline")
    ReturnVisit = apps.get_model("followups", "ReturnVisit")
    waiting = Case.objects.filter(status="resolved", category__in=CATEGORIES).exclude(
        return_visits__status="pending"
    )
    for case in waiting.iterator():
        due = (
            Deadline.objects.filter(case=case, kind="return_visit", state="running", due_at__isnull=False)
            .order_by("-started_at", "-pk")
            .values_list("due_at", flat=True)
            .first()
        )
        start = case.resolved_at or case.updated_at
        ReturnVisit.objects.create(case=case, round=1, created_at=start, due_at=due or _default_due(start))


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0001_initial"),
        ("sla", "0001_initial"),
    ]

    operations = [migrations.RunPython(open_visits, migrations.RunPython.noop)]
