"""The monthly report as Excel (read back with openpyxl) and as PDF (text extracted with pypdf)."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

MARCH = {"month": "2026-03"}


def rows_of(sheet):
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_excel_file_holds_every_table_on_its_own_sheet_with_numbers_as_numbers(march, client_for):
    answer = client_for(march.world.supervisor).get(reverse("reports:excel"), MARCH)
    assert answer.status_code == 200
    assert answer["Content-Disposition"] == 'attachment; filename="report-20260301.xlsx"'
    wb = load_workbook(io.BytesIO(answer.content))
    assert "来电来访分类统计与对比" in wb.sheetnames
    assert "服务指标" in wb.sheetnames and "指标定义" in wb.sheetnames and "分析" in wb.sheetnames
    comparison = rows_of(wb["来电来访分类统计与对比"])
    assert comparison[0][0] == "来电来访分类统计与对比"
    assert "统计期间：2026-03" in comparison[1][0]
    by_label = {r[0]: r[1:] for r in comparison[3:]}
    assert by_label["投诉"][:2] == [3, 1]
    assert by_label["合计"][:2] == [9, 3]
    assert isinstance(by_label["合计"][0], int)
    rates = {r[0]: r[1:] for r in rows_of(wb["服务指标"])[3:]}
    assert rates["回访率"][:3] == [2, 3, 66.7]
    assert rates["综合满意率"][3] == 90 and rates["综合满意率"][4] == -40
    by_estate = rows_of(next(wb[n] for n in wb.sheetnames if "按小区" in n))
    assert by_estate[2][-3:] == ["合计", "上期合计", "去年同期合计"]
    assert by_estate[3] == ["丽景园", 1, 0, 3, 1, 2, 0, 1, 1, 9, 3, 1]
    assert any("本期共登记来电来访 9 宗" in (r[0] or "") for r in rows_of(wb["分析"]))


def test_a_resident_name_that_looks_like_a_formula_stays_text_in_the_excel_file(march, client_for):
    from shouwen.directory.models import Resident

    Resident.objects.filter(pk=march.world.residents["owner"].pk).update(name="=HYPERLINK(1)")
    answer = client_for(march.world.supervisor).get(reverse("reports:excel"), MARCH)
    wb = load_workbook(io.BytesIO(answer.content))
    sheet = next(wb[n] for n in wb.sheetnames if n.startswith("重复来电来访"))
    cell = sheet["A4"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_the_pdf_holds_the_analysis_the_tables_and_the_charts(march, client_for):
    answer = client_for(march.world.staff["deputy_gm"]).get(reverse("reports:pdf"), MARCH)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "客服中心月度报告" in text
    assert "本期共登记来电来访 10 宗" in text  # both estates for the deputy general manager
    assert "来电来访分类统计与对比" in text and "服务指标" in text and "重复问题" in text
    assert "综合满意率" in text and "翠湖苑" in text
    # The charts are vector drawings: pie slices and bars are paths filled in the brand colour.
    content = b"".join(page.get_contents().get_data() for page in reader.pages)
    assert content.count(b" re") > 20  # table cells and bars
    assert b".043137 .431373 .309804 rg" in content  # #0b6e4f, the bars of the rates chart
    fonts = {str(f) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts  # the CJK font is embedded (the text above extracts as Chinese)
