"""The Excel file of an estate's buildings, units and residents: sheets, columns, cells, template.

Import lives in :mod:`shouwen.directory.excel_import`, export in :mod:`shouwen.directory.excel_export`;
both use the sheet and column names and the cell reading and writing defined here, so a file
exported and imported again changes nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from shouwen.core.spreadsheets import sheet_row, text_cell
from shouwen.directory.models import OccupancyRole, ResidentKind, UnitKind
from shouwen.directory.phones import split_phones, validate_phone

# The sheet and column names are the file format that offices fill in, exchange and re-import,
# so they are fixed Chinese strings rather than translated text: an English-speaking user
# downloads the same file a Chinese-speaking colleague will import.
BUILDING_SHEET = "楼栋"
UNIT_SHEET = "房屋住户"
HELP_SHEET = "说明"

B_CODE = "楼栋编号"
B_NAME = "楼栋名称"
B_FLOORS = "层数"
B_ENTRANCES = "单元数"
BUILDING_COLUMNS: tuple[str, ...] = (B_CODE, B_NAME, B_FLOORS, B_ENTRANCES)

U_BUILDING = "楼栋编号"
U_ENTRANCE = "单元"
U_NUMBER = "房号"
U_FLOOR = "楼层"
U_KIND = "房屋类型"
U_AREA = "建筑面积"
U_HANDOVER = "交付日期"
R_NAME = "住户姓名"
R_KIND = "住户类别"
O_ROLE = "身份"
R_PHONES = "电话"
R_ID = "证件号码"
O_START = "入住日期"
R_NOTES = "备注"
UNIT_COLUMNS: tuple[str, ...] = (
    U_BUILDING,
    U_ENTRANCE,
    U_NUMBER,
    U_FLOOR,
    U_KIND,
    U_AREA,
    U_HANDOVER,
    R_NAME,
    R_KIND,
    O_ROLE,
    R_PHONES,
    R_ID,
    O_START,
    R_NOTES,
)
# Left empty on the row of a unit that has no resident.
RESIDENT_COLUMNS: tuple[str, ...] = (R_NAME, R_KIND, O_ROLE, R_PHONES, R_ID, O_START, R_NOTES)

# Limits that keep one upload from tying up a worker; module-level so tests can lower them.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000  # data rows per sheet

# The language the choice labels are written in (the msgids are Chinese, so this is the identity).
FILE_LANGUAGE = "zh-hans"
PHONE_SEPARATOR = "/"
# Columns Excel must keep as text: otherwise 0801 becomes 801 and an 18-digit ID number loses digits.
TEXT_COLUMNS = frozenset({B_CODE, U_ENTRANCE, U_NUMBER, R_PHONES, R_ID})
DATE_COLUMNS = frozenset({U_HANDOVER, O_START})
WIDTHS = {
    B_NAME: 16,
    U_AREA: 10,
    U_HANDOVER: 12,
    R_NAME: 18,
    R_PHONES: 28,
    R_ID: 22,
    O_START: 12,
    R_NOTES: 30,
}

_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_INTEGER = re.compile(r"^[-+]?\d+(?:\.0+)?$")
_AREA_UNITS = re.compile(r"(平方米|平米|㎡|m²|m2)$", re.IGNORECASE)
_PHONE_GROUPS = re.compile(r"[/,，;；、]+")
_MAX_AREA = Decimal("9999999.99")

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F6FB2")
_EXAMPLE_FONT = Font(italic=True, color="808080")


def file_labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """Return {stored value: label as written in the file} for a choices class."""
    with translation.override(FILE_LANGUAGE):
        return {str(value): str(label) for value, label in choices.choices}


def choice_columns() -> dict[str, dict[str, str]]:
    """Return the columns that hold a choice, each with its {stored value: file label}."""
    return {
        U_KIND: file_labels(UnitKind),
        R_KIND: file_labels(ResidentKind),
        O_ROLE: file_labels(OccupancyRole),
    }


def _column_hints() -> dict[str, str]:
    """Return the note shown on each header cell (what to write in the column)."""
    return {
        B_CODE: _("必填。住户口中的楼号，例如 3（“3栋”）"),
        B_NAME: _("新楼栋必填，例如 3栋"),
        B_FLOORS: _("整数，可留空"),
        B_ENTRANCES: _("整数，没有单元的楼栋填 0"),
        U_ENTRANCE: _("没有单元的楼栋留空"),
        U_NUMBER: _("必填，请保持文本格式，例如 0801"),
        U_FLOOR: _("整数，地下层用负数"),
        U_KIND: _("住宅/商铺/写字间/车位，空白按住宅"),
        U_AREA: _("平方米，最多两位小数"),
        U_HANDOVER: _("例如 2024-06-30 或 2024/6/30"),
        R_NAME: _("没有住户的房屋把住户各列留空"),
        R_KIND: _("个人/单位，空白按个人"),
        O_ROLE: _("填写住户时必填：业主/租户/家庭成员/单位业主"),
        R_PHONES: _("多个电话用 / 或 、 分隔"),
        R_ID: _("身份证或营业执照号码，请保持文本格式"),
        O_START: _("例如 2024-06-30 或 2024/6/30"),
    }


def help_lines() -> list[str]:
    """Return the lines of the 说明 (instructions) sheet."""
    return [
        _("楼栋、房屋、住户导入说明"),
        _("1. “楼栋”表每行一栋楼；“房屋住户”表每行一套房屋加一位住户。"),
        _("2. 一套房屋有两位住户就写两行（房屋信息重复填写）；没有住户的房屋把住户各列留空。"),
        _("3. 第一行是列名，请不要修改；可以在右边增加自己的列，导入时会忽略。请不要合并单元格。"),
        _("4. 必填：楼栋编号、房号；新楼栋的楼栋名称；填写了住户时的住户姓名和身份。"),
        _("5. 房屋类型：住宅/商铺/写字间/车位；住户类别：个人/单位；身份：业主/租户/家庭成员/单位业主。"),
        _("6. 电话可填多个，用“/”或“、”分隔；手机为 11 位，座机带区号，例如 0571-88886666。"),
        _("7. 日期写成 2024-06-30 或 2024/6/30，也可以使用 Excel 的日期格式。"),
        _("8. 房号、证件号码请保持文本格式，否则 0801 会变成 801，18 位证件号码的末几位会丢失。"),
        _("9. 导入前会检查全部行，只要有一处错误就不会导入任何数据，并列出每个错误的行号和原因。"),
        _(
            "10. 同一文件可以重复导入，不会产生重复数据：楼栋按楼栋编号、房屋按楼栋编号+单元+房号、"
            "住户按证件号码（没有证件号码时按姓名和第一个电话）识别，已有的会被更新。"
        ),
        _("11. 空白单元格不会清除系统中已有的内容；导入从不删除任何数据。"),
        _("12. 灰色斜体的示例行仅供参考，导入前请删除。"),
        _("13. 文件不超过 %(mb)s MB，每张表不超过 %(rows)s 行。")
        % {"mb": MAX_FILE_BYTES // (1024 * 1024), "rows": MAX_ROWS},
    ]


def _header_cells(ws: Any, columns: Sequence[str]) -> list[WriteOnlyCell]:
    hints = _column_hints()
    cells = []
    for name in columns:
        cell = text_cell(ws, name)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        if name in hints:
            cell.comment = Comment(hints[name], "首问")
        cells.append(cell)
    return cells


def _prepare_sheet(wb: Workbook, title: str, columns: Sequence[str]) -> Any:
    """Add a data sheet with its styled header row, widths, text columns and drop-down lists."""
    ws = wb.create_sheet(title)
    choices = choice_columns()
    for index, name in enumerate(columns, start=1):
        letter = get_column_letter(index)
        dim = ws.column_dimensions[letter]
        dim.width = WIDTHS.get(name, 9)
        if name in TEXT_COLUMNS:
            dim.number_format = "@"
        if name in choices:
            dv = DataValidation(
                type="list", formula1='"{}"'.format(",".join(choices[name].values())), allow_blank=True
            )
            dv.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            ws.data_validations.append(dv)
    ws.freeze_panes = "A2"
    ws.append(_header_cells(ws, columns))
    return ws


def new_workbook(*, help_first: bool) -> tuple[Workbook, Any, Any]:
    """Return a write-only workbook with the 楼栋 and 房屋住户 sheets ready for rows."""
    wb = Workbook(write_only=True)
    if help_first:
        _add_help_sheet(wb)
    buildings = _prepare_sheet(wb, BUILDING_SHEET, BUILDING_COLUMNS)
    units = _prepare_sheet(wb, UNIT_SHEET, UNIT_COLUMNS)
    if not help_first:
        _add_help_sheet(wb)
    return wb, buildings, units


def _add_help_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet(HELP_SHEET)
    ws.column_dimensions["A"].width = 110
    for index, line in enumerate(help_lines()):
        cell = text_cell(ws, line)
        if index == 0:
            cell.font = Font(bold=True, size=14)
        ws.append([cell])


def row_cells(ws: Any, values: Iterable[Any], font: Font | None = None) -> list[Any]:
    """Return a row for a write-only sheet: dates as dates, texts never taken for formulas."""
    return sheet_row(ws, values, font)


def save_workbook(wb: Workbook) -> bytes:
    """Return the workbook as .xlsx bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_workbook() -> bytes:
    """Return the blank template with its instructions and a few grey example rows."""
    wb, buildings, units = new_workbook(help_first=True)
    example = _("示例行，导入前请删除")
    for values in (("1", "1栋", 18, 2), ("S", "沿街商铺", 2, 0)):
        buildings.append(row_cells(buildings, values, _EXAMPLE_FONT))
    handover = date(2024, 6, 30)
    flat = ("1", "1", "0101", 1, "住宅", 89.5, handover)
    rows: list[tuple[Any, ...]] = [
        (
            *flat,
            "张三",
            "个人",
            "业主",
            "13800138000/0571-88880000",
            "110101199003071234",
            date(2024, 7, 15),
            example,
        ),
        (*flat, "李四", "个人", "家庭成员", "13900139000", "", None, example),
        ("1", "2", "0102", 1, "住宅", 120, handover),
        (
            "S",
            "",
            "101",
            1,
            "商铺",
            56.3,
            handover,
            "某某餐饮有限公司",
            "单位",
            "单位业主",
            "0571-88886666",
            "91330100MA2XXXXX0X",
            None,
            example,
        ),
    ]
    for values in rows:
        units.append(row_cells(units, values, _EXAMPLE_FONT))
    return save_workbook(wb)


# Reading: typed cell values, every problem noted with its sheet, row and column.


@dataclass(frozen=True)
class ImportIssue:
    """One problem in the file: sheet, row number as Excel shows it, column and the reason."""

    sheet: str
    row: int | None
    column: str
    reason: str

    @property
    def message(self) -> str:
        """Return the problem as one sentence, e.g. 第 7 行“电话”：…."""
        if self.row is None:
            return self.reason
        if self.column:
            return _("第 %(row)s 行“%(column)s”：%(reason)s") % {
                "row": self.row,
                "column": self.column,
                "reason": self.reason,
            }
        return _("第 %(row)s 行：%(reason)s") % {"row": self.row, "reason": self.reason}

    def __str__(self) -> str:
        return f"[{self.sheet}] {self.message}" if self.sheet else self.message


class RowCells:
    """Typed values of one row, noting each problem instead of stopping at the first."""

    def __init__(self, sheet: str, row: int, values: dict[str, Any], issues: list[ImportIssue]) -> None:
        self.sheet, self.row, self.values, self.issues = sheet, row, values, issues

    def error(self, column: str, reason: str) -> None:
        """Note a problem in this row's ``column``."""
        self.issues.append(ImportIssue(self.sheet, self.row, column, reason))

    def blank(self, column: str) -> bool:
        """Return whether the cell is empty or only spaces."""
        return is_blank(self.values.get(column))

    def text(self, column: str, max_length: int | None = None, required: str | None = None) -> str:
        """Return the cell as trimmed text, checking its length and, with ``required``, that it is filled."""
        value = self.values.get(column)
        if isinstance(value, datetime | date | time):
            # Excel turns 3-2 or 1/2 typed into a general cell into a date.
            self.error(column, _("被 Excel 当成了日期，请把这一列设为文本格式后重新填写"))
            return ""
        text = as_text(value)
        if not text and required is not None:
            self.error(column, required)
        if max_length is not None and len(text) > max_length:
            self.error(
                column,
                _("不能超过 %(limit)s 个字（现为 %(length)s 个字）")
                % {"limit": max_length, "length": len(text)},
            )
        return text

    def integer(self, column: str, low: int, high: int) -> int | None:
        """Return the cell as a whole number between ``low`` and ``high``, or None when blank."""
        value = self.values.get(column)
        if self.blank(column):
            return None
        text = as_text(value)
        if isinstance(value, bool) or not _INTEGER.match(text):
            self.error(column, _("“%(value)s”不是整数") % {"value": text})
            return None
        number = int(Decimal(text))
        if not low <= number <= high:
            self.error(column, _("应在 %(low)s 到 %(high)s 之间") % {"low": low, "high": high})
            return None
        return number

    def area(self, column: str) -> Decimal | None:
        """Return the cell as an area in square metres rounded to 0.01, or None when blank."""
        if self.blank(column):
            return None
        text = _AREA_UNITS.sub("", as_text(self.values.get(column))).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self.error(column, _("“%(value)s”不是有效的面积，请填写数字，例如 89.5") % {"value": text})
            return None
        if number < 0:
            self.error(column, _("面积不能为负数"))
            return None
        number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if number > _MAX_AREA:
            self.error(column, _("面积过大"))
            return None
        return number

    def day(self, column: str) -> date | None:
        """Return the cell as a date (an Excel date, 2024-06-30, 2024/6/30, 2024年6月30日), or None."""
        value = self.values.get(column)
        if self.blank(column):
            return None
        result = _as_date(value)
        if result is None or not 1900 <= result.year <= 2100:
            self.error(
                column,
                _("“%(value)s”不是有效的日期，请填写如 2024-06-30 或 2024/6/30") % {"value": as_text(value)},
            )
            return None
        return result

    def choice(self, column: str, labels: dict[str, str], required: str | None = None) -> str:
        """Return the stored value of the label in the cell, or "" when blank."""
        text = self.text(column)
        if not text:
            if required is not None:
                self.error(column, required)
            return ""
        for value, label in labels.items():
            if text in (label, value):
                return value
        self.error(
            column,
            _("“%(value)s”不是可选的值，请填写：%(choices)s")
            % {"value": text, "choices": "/".join(labels.values())},
        )
        return ""

    def phones(self, column: str) -> list[str]:
        """Return the cell's phone numbers, validated and normalised, without repeats."""
        numbers: list[str] = []
        for group in _PHONE_GROUPS.split(self.text(column)):
            # "138 1234 5678" is one number written with spaces; otherwise spaces separate numbers.
            candidates = [group] if _is_phone(group) else split_phones(group)
            for raw in candidates:
                try:
                    number = validate_phone(raw)
                except ValidationError as exc:
                    self.error(column, exc.messages[0])
                    continue
                if number not in numbers:
                    numbers.append(number)
        return numbers

    def id_number(self, column: str, max_length: int) -> str:
        """Return the ID number without spaces, upper-cased (a trailing x becomes X)."""
        value = self.values.get(column)
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e15:
            self.error(
                column, _("证件号码被 Excel 存成了数字，末几位已丢失；请把这一列设为文本格式后重新填写")
            )
            return ""
        return re.sub(r"\s+", "", self.text(column, max_length)).upper()


def as_text(value: Any) -> str:
    """Return a cell value as text: 1502.0 → "1502", None → ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\u3000", " ").strip()


def _as_date(value: Any) -> date | None:
    """Return the date a cell value stands for, or None if it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = as_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and not _COMPACT_DATE.match(text):
        try:  # a date cell that lost its format arrives as Excel's serial day number
            converted = from_excel(value)
        except (ValueError, OverflowError, TypeError):
            return None
        return converted.date() if isinstance(converted, datetime) else None
    match = _DATE_TEXT.match(text) or _COMPACT_DATE.match(text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _is_phone(raw: str) -> bool:
    try:
        validate_phone(raw)
    except ValidationError:
        return False
    return True


def is_blank(value: Any) -> bool:
    """Return whether a cell value is empty or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())
