"""Give every existing estate the default patrol checkpoints (new estates get them when created)."""

from typing import Any

from django.db import migrations

DEFAULTS = (
    ("大门岗", "门岗值守、道闸、来访登记"),
    ("车库", "照明、排水、消防通道、车辆停放"),
    ("电梯机房", "运行声音、温度、门锁、应急照明"),
    ("水泵房", "水泵运行、渗漏、水位、门锁"),
    ("配电房", "异味、异响、门锁、警示标志"),
    ("公共绿地", "树木草坪、园林设施、垃圾杂物"),
    ("楼道", "照明、消防器材、杂物堆放、门窗墙面"),
    ("消防通道", "畅通无阻、疏散指示、防火门"),
)


def seed(apps: Any, schema_editor: Any) -> None:
    Estate = apps.get_model("directory", "Estate")
    Checkpoint = apps.get_model("rounds", "Checkpoint")
    for estate in Estate.objects.all():
        if not Checkpoint.objects.filter(estate=estate).exists():
            Checkpoint.objects.bulk_create(
                Checkpoint(estate=estate, name=name, hint=hint, position=(i + 1) * 10)
                for i, (name, hint) in enumerate(DEFAULTS)
            )


class Migration(migrations.Migration):
    dependencies = [("rounds", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
