"""Excel import and export of an estate's buildings, units and residents."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from shouwen.directory import excel
from shouwen.directory.excel_export import export_directory
from shouwen.directory.excel_import import import_directory
from shouwen.directory.models import Building, Occupancy, Resident, ResidentPhone, Unit

BUILDING_HEADER = ["楼栋编号", "楼栋名称", "层数", "单元数"]
UNIT_HEADER = [
    "楼栋编号",
    "单元",
    "房号",
    "楼层",
    "房屋类型",
    "建筑面积",
    "交付日期",
    "住户姓名",
    "住户类别",
    "身份",
    "电话",
    "证件号码",
    "入住日期",
    "备注",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def make_xlsx(buildings=(), units=(), *, building_header=BUILDING_HEADER, unit_header=UNIT_HEADER):
    """Build a workbook the way an office would fill it in, and return its bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "楼栋"
    ws.append(building_header)
    for row in buildings:
        ws.append(list(row))
    ws = wb.create_sheet("房屋住户")
    ws.append(unit_header)
    for row in units:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def db_counts():
    return (
        Building.objects.count(),
        Unit.objects.count(),
        Resident.objects.count(),
        ResidentPhone.objects.count(),
        Occupancy.objects.count(),
    )


def created(result):
    return {kind: c.created for kind, c in result.counts.items()}


def updated(result):
    return {kind: c.updated for kind, c in result.counts.items()}


NOTHING = {"buildings": 0, "units": 0, "residents": 0, "phones": 0, "occupancies": 0}

# A new building 5 with three flats: a family of two, a flat nobody lives in, and one of the
# world's residents (张伟, matched by ID number) who also bought a flat here.
GOOD_BUILDINGS = [("5", "5栋", 11, 1)]
GOOD_UNITS = [
    ("5", "1", "0101", 1, "住宅", 90.5, date(2024, 6, 30), "王芳", "个人", "业主", "13511112222", "330106199001015678", "2024/7/1", ""),
    ("5", "1", "0101", 1, "住宅", 90.5, date(2024, 6, 30), "刘洋", "个人", "家庭成员", "13511113333", "", None, "王芳之子"),
    ("5", "1", "0102", 1, "住宅", 120, "2024-06-30"),
    ("5", "1", "0201", 2, "住宅", 89.5, None, "张伟", "个人", "业主", "13812345678", "330106198001011234", None, ""),
]  # fmt: skip


def test_one_bad_row_imports_nothing_and_names_row_and_reason(world):
    before = db_counts()
    units = [*GOOD_UNITS]
    units.insert(2, ("5", "1", "0103", 1, "住宅", 70, None, "赵敏", "个人", "租户", "1381234", "", None, ""))
    result = import_directory(world.estate, make_xlsx(GOOD_BUILDINGS, units), world.supervisor.user)
    assert not result.ok
    assert len(result.errors) == 1
    issue = result.errors[0]
    assert (issue.sheet, issue.row, issue.column) == ("房屋住户", 4, "电话")  # header is row 1
    assert issue.message.startswith("第 4 行“电话”：电话号码“1381234”格式不正确")
    assert db_counts() == before
    assert not Building.objects.filter(estate=world.estate, code="5").exists()


def test_every_problem_in_both_sheets_is_reported_at_once(world):
    buildings = [("5", "5栋", "十一", 1), ("6", "", 6, 1), ("5", "5栋", 11, 1)]
    units = [
        ("5", "1", "0101", 1, "别墅", -3, "2024-13-45", "王芳", "个人", "业主", "", "", None, ""),
        ("9", "1", "0101", 1, "住宅", 80, None),
        ("3", "2", "1502", 15, "住宅", 89.5, None, "X" * 101, "个人", "", "", "", None, ""),
        ("3", "1", "0801", 8, "住宅", 120, None),
        ("3", "1", "0801", 8, "住宅", 120, None),
        ("3", "1", "0802", 8, "住宅", 100, None, "", "", "租户", "13900001111", "", None, ""),
    ]
    before = db_counts()
    result = import_directory(world.estate, make_xlsx(buildings, units), None)
    found = {(e.sheet, e.row, e.column) for e in result.errors}
    assert found >= {
        ("楼栋", 2, "层数"),  # not a number
        ("楼栋", 3, "楼栋名称"),  # a new building needs a name
        ("楼栋", 4, "楼栋编号"),  # the same building twice
        ("房屋住户", 2, "房屋类型"),
        ("房屋住户", 2, "建筑面积"),
        ("房屋住户", 2, "交付日期"),
        ("房屋住户", 3, "楼栋编号"),  # building 9 is neither in the sheet nor in the database
        ("房屋住户", 4, "住户姓名"),  # longer than the model allows
        ("房屋住户", 4, "身份"),  # missing
        ("房屋住户", 6, ""),  # duplicate of row 5
        ("房屋住户", 7, "住户姓名"),  # resident columns filled without a name
    }
    messages = [e.message for e in result.errors]
    assert "第 3 行“楼栋编号”：楼栋“9”既不在“楼栋”表中，系统中也没有，请先在“楼栋”表中填写" in messages
    assert "第 6 行：与第 5 行重复" in messages
    assert any("不能超过 100 个字" in m for m in messages)
    assert db_counts() == before


def test_importing_the_same_file_twice_updates_instead_of_duplicating(world):
    data = make_xlsx(GOOD_BUILDINGS, GOOD_UNITS)
    before = db_counts()
    first = import_directory(world.estate, data, world.supervisor.user)
    assert first.ok, [str(e) for e in first.errors]
    assert created(first) == {"buildings": 1, "units": 3, "residents": 2, "phones": 2, "occupancies": 3}
    assert first.counts["residents"].unchanged == 1  # 张伟, found by ID number
    after_first = db_counts()
    assert after_first == tuple(b + n for b, n in zip(before, (1, 3, 2, 2, 3), strict=True))

    second = import_directory(world.estate, data, world.supervisor.user)
    assert second.ok
    assert created(second) == NOTHING and updated(second) == NOTHING
    assert db_counts() == after_first

    changed = [list(row) for row in GOOD_UNITS]
    changed[0][5] = changed[1][5] = 91.25  # the area was measured again
    changed[1][10] = "13511113333/13600001234"  # and the son gave a second number
    third = import_directory(world.estate, make_xlsx(GOOD_BUILDINGS, changed), world.supervisor.user)
    assert third.ok
    assert created(third) == {**NOTHING, "phones": 1}
    assert updated(third) == {**NOTHING, "units": 1, "residents": 1}
    assert db_counts() == (after_first[0], after_first[1], after_first[2], after_first[3] + 1, after_first[4])
    unit = Unit.objects.get(building__estate=world.estate, building__code="5", number="0101")
    assert unit.area == Decimal("91.25")
    assert unit.occupancies.count() == 2
    owner = Resident.objects.get(id_number="330106199001015678")
    assert owner.occupancies.get().start_date == date(2024, 7, 1)


def test_resident_without_id_is_found_by_name_and_first_phone(world):
    tenant = world.residents["tenant"]  # 李娜, no ID number, 13900001111
    units = [
        (
            "3",
            "1",
            "0801",
            8,
            "住宅",
            120,
            None,
            "李娜",
            "个人",
            "租户",
            "139 0000 1111、13900002222",
            "",
            None,
            "",
        )
    ]
    before = db_counts()
    result = import_directory(world.estate, make_xlsx((), units), None)
    assert result.ok, [str(e) for e in result.errors]
    assert created(result) == {**NOTHING, "phones": 1}
    assert db_counts()[2] == before[2]  # no second 李娜
    assert list(tenant.phones.values_list("number", flat=True)) == ["13900001111", "13900002222"]


def test_blank_cells_never_clear_stored_values(world):
    units = [("3", "2", "1502", None, "", None, None)]
    result = import_directory(world.estate, make_xlsx((), units), None)
    assert result.ok
    unit = world.units["3-2-1502"]
    unit.refresh_from_db()
    assert (unit.floor, unit.area, unit.handover_date) == (15, Decimal("89.50"), date(2024, 6, 30))
    assert result.counts["units"].unchanged == 1


def test_dates_numbers_and_phones_are_read_as_offices_write_them(world):
    units = [
        ("3", "2单元", 1601, "16", "商铺", "56.3㎡", "2024年6月30日", "某某餐饮有限公司", "", "单位业主", "0571-8888 6666", "", datetime(2024, 8, 1), ""),
        ("3", "2", "1602", 16, "车位", 12, 45474, "陈晨", "个人", "租户", "13700003333 13700004444", "33010619850505123x", "20240701", ""),
    ]  # fmt: skip
    result = import_directory(world.estate, make_xlsx((), units), None)
    assert result.ok, [str(e) for e in result.errors]
    shop = Unit.objects.get(building__code="3", entrance="2", number="1601")
    assert (shop.kind, shop.area, shop.handover_date) == ("shop", Decimal("56.30"), date(2024, 6, 30))
    company = Resident.objects.get(name="某某餐饮有限公司")
    assert company.kind == "company"
    assert list(company.phones.values_list("number", flat=True)) == ["057188886666"]
    parking = Unit.objects.get(building__code="3", number="1602")
    assert parking.handover_date == date(2024, 7, 1)  # 45474 is Excel's serial number for that day
    chen = Resident.objects.get(name="陈晨")
    assert chen.id_number == "33010619850505123X"
    assert chen.phones.count() == 2


def test_export_then_import_changes_nothing(world):
    # Dates, notes, a company, two residents in one flat and an empty flat, besides the world's own.
    shop = ("5", "", "S1", 1, "商铺", 56.3, None, "某某餐饮有限公司", "单位", "单位业主", "0571-88886666", "", "2024-08-01", "")  # fmt: skip
    assert import_directory(world.estate, make_xlsx(GOOD_BUILDINGS, [*GOOD_UNITS, shop]), None).ok
    data = export_directory(world.estate)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["楼栋", "房屋住户", "说明"]
    rows = list(wb["房屋住户"].iter_rows(values_only=True))
    assert list(rows[0]) == UNIT_HEADER
    zhang = next(r for r in rows if r[7] == "张伟")
    assert zhang[:3] == ("3", "2", "1502")
    assert zhang[9:12] == ("业主", "13812345678/057187654321", "330106198001011234")
    assert not any(r[7] == "陈静" for r in rows)  # the other estate's resident stays out

    before = db_counts()
    result = import_directory(world.estate, data, world.supervisor.user)
    assert result.ok, [str(e) for e in result.errors]
    assert created(result) == NOTHING and updated(result) == NOTHING
    assert db_counts() == before


def test_export_leaves_out_ended_occupancies(world):
    Occupancy.objects.filter(resident=world.residents["tenant"]).update(end_date=date(2020, 1, 1))
    rows = list(
        load_workbook(io.BytesIO(export_directory(world.estate)))["房屋住户"].iter_rows(values_only=True)
    )
    flat = [r for r in rows if r[:3] == ("3", "1", "0801")]
    assert len(flat) == 1 and flat[0][7] is None  # the flat is listed, without its former tenant


def test_template_downloads_and_imports_with_its_example_rows(world, client_for):
    response = client_for(world.supervisor).get(reverse("directory:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "no-store" in response["Cache-Control"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["说明", "楼栋", "房屋住户"]
    assert [c.value for c in wb["楼栋"][1]] == BUILDING_HEADER
    assert [c.value for c in wb["房屋住户"][1]] == UNIT_HEADER

    result = import_directory(world.other_estate, response.content, None)
    assert result.ok, [str(e) for e in result.errors]
    assert created(result) == {"buildings": 1, "units": 3, "residents": 3, "phones": 4, "occupancies": 3}
    assert result.counts["buildings"].updated == 1  # building 1 of 翠湖苑 was already there
    again = import_directory(world.other_estate, response.content, None)
    assert created(again) == NOTHING and updated(again) == NOTHING


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("楼栋编号,房号\n3,1502\n".encode(), "不是 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "旧版 .xls"),
        (b"PK\x03\x04 not really a zip", "无法读取"),
        (make_xlsx(unit_header=["楼号", "房号", "姓名"]), "“房屋住户”表缺少列：楼栋编号、单元"),
    ],
    ids=["csv", "xls", "damaged", "wrong-header"],
)
def test_a_file_that_is_not_the_template_gets_a_clear_message(world, content, expected):
    result = import_directory(world.estate, content, None)
    assert not result.ok
    assert expected in result.errors[0].message


def test_missing_sheet_is_named(world):
    wb = Workbook()
    wb.active.title = "Sheet1"
    buffer = io.BytesIO()
    wb.save(buffer)
    messages = [e.message for e in import_directory(world.estate, buffer.getvalue(), None).errors]
    assert "缺少工作表“楼栋”，请使用下载的模板填写" in messages


def test_file_size_and_row_limits(world, monkeypatch):
    data = make_xlsx(GOOD_BUILDINGS, GOOD_UNITS)
    monkeypatch.setattr(excel, "MAX_FILE_BYTES", len(data) - 1)
    assert "上限" in import_directory(world.estate, data, None).errors[0].message
    monkeypatch.setattr(excel, "MAX_FILE_BYTES", 10 * 1024 * 1024)
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    result = import_directory(world.estate, data, None)
    assert [e.message for e in result.errors] == ["“房屋住户”表超过 3 行的上限，请分成几个文件导入"]


def test_a_title_row_above_the_header_is_allowed(world):
    wb = load_workbook(io.BytesIO(make_xlsx(GOOD_BUILDINGS, GOOD_UNITS)))
    wb["房屋住户"].insert_rows(1)
    wb["房屋住户"]["A1"] = "丽景园 5栋住户清单"
    wb["房屋住户"]["K6"] = "1381234"  # the fourth data row, now Excel row 6
    buffer = io.BytesIO()
    wb.save(buffer)
    result = import_directory(world.estate, buffer.getvalue(), None)
    assert [(e.row, e.column) for e in result.errors] == [(6, "电话")]


def test_import_checks_the_user_may_import_into_the_estate(world):
    data = make_xlsx(GOOD_BUILDINGS, GOOD_UNITS)
    with pytest.raises(PermissionDenied):
        import_directory(world.other_estate, data, world.supervisor.user)
    with pytest.raises(PermissionDenied):
        import_directory(world.estate, data, world.clerk.user)


def test_front_desk_clerk_cannot_open_import_template_or_export(world, client_for):
    client = client_for(world.clerk)
    assert client.get(reverse("directory:import")).status_code == 403
    assert client.get(reverse("directory:import_template")).status_code == 403
    assert client.get(reverse("directory:export", args=[world.estate.pk])).status_code == 403
    assert "导入导出" not in client.get(reverse("directory:estate_list")).content.decode()


def test_supervisor_cannot_import_into_or_export_an_estate_not_served(world, client_for):
    client = client_for(world.supervisor)
    page = client.get(reverse("directory:import")).content.decode()
    assert "丽景园" in page and "翠湖苑" not in page
    assert client.get(reverse("directory:export", args=[world.other_estate.pk])).status_code == 404
    before = db_counts()
    upload = SimpleUploadedFile("楼栋.xlsx", make_xlsx(GOOD_BUILDINGS, GOOD_UNITS), content_type=XLSX)
    response = client.post(reverse("directory:import"), {"estate": world.other_estate.pk, "file": upload})
    assert response.status_code == 404
    assert db_counts() == before


def test_supervisor_exports_an_estate_served(world, client_for):
    client = client_for(world.supervisor)
    detail = client.get(reverse("directory:estate_detail", args=[world.estate.pk])).content.decode()
    export_url = reverse("directory:export", args=[world.estate.pk])
    assert export_url in detail
    response = client.get(export_url)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content)).sheetnames[:2] == ["楼栋", "房屋住户"]
    # The file holds full phone and ID numbers, so the export is in the access log per resident.
    from shouwen.access.models import PersonalDataAccess

    logged = PersonalDataAccess.objects.filter(channel="export", user=world.supervisor.user)
    assert set(logged.values_list("resident", flat=True)) == {
        world.residents["owner"].pk,
        world.residents["tenant"].pk,
    }


def test_import_page_shows_the_errors_in_chinese_or_the_counts(world, client_for):
    client = client_for(world.supervisor)
    assert "导入导出" in client.get(reverse("directory:estate_list")).content.decode()
    units = [
        *GOOD_UNITS,
        ("5", "1", "0103", 1, "住宅", 70, None, "赵敏", "个人", "租户", "1381234", "", None, ""),
    ]
    bad = SimpleUploadedFile("住户.xlsx", make_xlsx(GOOD_BUILDINGS, units), content_type=XLSX)
    page = client.post(reverse("directory:import"), {"estate": world.estate.pk, "file": bad}).content.decode()
    assert "发现 1 处错误，没有导入任何数据" in page
    assert "<td>6</td><td>电话</td>" in page
    assert "电话号码“1381234”格式不正确" in page

    good = SimpleUploadedFile("住户.xlsx", make_xlsx(GOOD_BUILDINGS, GOOD_UNITS), content_type=XLSX)
    response = client.post(reverse("directory:import"), {"estate": world.estate.pk, "file": good})
    page = response.content.decode()
    assert response.status_code == 200
    assert "已导入到丽景园" in page
    assert "<td>住户房屋关系</td><td>3</td>" in page


def test_command_prints_errors_and_exits_1_or_prints_counts(world, tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(make_xlsx((), [("9", "1", "0101", 1, "住宅", 80, None)]))
    with pytest.raises(CommandError) as failure:
        call_command("import_directory", "LJY", str(bad))
    assert failure.value.returncode == 1
    assert "[房屋住户] 第 2 行“楼栋编号”：楼栋“9”既不在“楼栋”表中" in capsys.readouterr().err

    good = tmp_path / "good.xlsx"
    good.write_bytes(make_xlsx(GOOD_BUILDINGS, GOOD_UNITS))
    call_command("import_directory", "ljy", str(good))
    out = capsys.readouterr().out
    assert "已导入到丽景园（LJY）" in out
    assert "楼栋：新增 1，更新 0，无变化 0" in out
