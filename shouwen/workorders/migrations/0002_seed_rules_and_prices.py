"""Seed the warranty rules (《建设工程质量管理条例》第四十条) and a starting price list; both are admin-editable."""

from decimal import Decimal

from django.db import migrations

REG = "《建设工程质量管理条例》第四十条"
RULES = [
    # (trade, applies_to, months, source)
    ("plumbing", "unit", 24, REG + "：电气管线、给排水管道、设备安装和装修工程为2年"),
    ("plumbing", "public", 24, REG + "：电气管线、给排水管道、设备安装和装修工程为2年"),
    ("electrical", "unit", 24, REG + "：电气管线、给排水管道、设备安装和装修工程为2年"),
    ("electrical", "public", 24, REG + "：电气管线、给排水管道、设备安装和装修工程为2年"),
    ("doors", "unit", 24, REG + "：装修工程为2年（门窗按装修工程计）"),
    ("doors", "public", 24, REG + "：设备安装和装修工程为2年（门禁按设备安装计）"),
    ("civil", "unit", 60, REG + "：屋面防水工程、有防水要求的卫生间、房间和外墙面的防渗漏为5年"),
    ("civil", "public", 60, REG + "：屋面防水工程、有防水要求的卫生间、房间和外墙面的防渗漏为5年"),
    (
        "lift",
        "public",
        24,
        REG + "：设备安装工程为2年（电梯厂家质保常为1年，以采购合同为准，可在此调整）",
    ),
]
MATERIALS = [
    # (name, spec, unit, unit price)
    ("水龙头", "单把冷热", "个", "45.00"),
    ("角阀", "DN15", "个", "18.00"),
    ("PPR 给水管", "DN20", "米", "8.50"),
    ("PVC 排水管", "DN50", "米", "12.00"),
    ("马桶进水阀", "通用", "套", "35.00"),
    ("地漏", "不锈钢防臭", "个", "28.00"),
    ("开关面板", "单开单控", "个", "15.00"),
    ("五孔插座", "10A", "个", "16.00"),
    ("空气开关", "C16 1P", "个", "32.00"),
    ("LED 灯泡", "9W E27", "个", "12.00"),
    ("BV 电线", "2.5mm²", "米", "3.20"),
    ("锁芯", "C级", "个", "85.00"),
    ("闭门器", "中号", "个", "120.00"),
    ("门禁读卡器", "IC", "个", "260.00"),
    ("防水涂料", "JS 聚合物", "千克", "22.00"),
    ("瓷砖", "300×600", "平方米", "65.00"),
    ("玻璃胶", "中性", "个", "18.00"),
]


def seed(apps, schema_editor):
    WarrantyRule = apps.get_model("workorders", "WarrantyRule")
    Material = apps.get_model("workorders", "Material")
    for trade, applies_to, months, source in RULES:
        WarrantyRule.objects.get_or_create(
            trade=trade, applies_to=applies_to, defaults={"months": months, "source": source}
        )
    for name, spec, unit, price in MATERIALS:
        Material.objects.get_or_create(
            name=name, spec=spec, defaults={"unit": unit, "unit_price": Decimal(price)}
        )


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
