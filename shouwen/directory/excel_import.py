"""Importing an estate's buildings, units and residents from the Excel file, all or nothing.

Every row of both sheets is read and checked first; only a file without a single problem is
written, inside one transaction. Re-importing a file updates what is there instead of adding
duplicates, a blank cell never clears a stored value, and nothing is ever deleted.
"""

from __future__ import annotations

import io
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from shouwen.access.permissions import require
from shouwen.access.roles import Cap
from shouwen.access.scope import AnyUser, can_see_estate
from shouwen.core.history import EXCEL_IMPORT, acting_as
from shouwen.core.services import for_update
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory import excel as fmt
from shouwen.directory.excel import ImportIssue, RowCells, as_text, is_blank
from shouwen.directory.models import (
    Building,
    Estate,
    Occupancy,
    OccupancyRole,
    Resident,
    ResidentKind,
    ResidentPhone,
    Unit,
    UnitKind,
)
from shouwen.directory.services import create_resident

logger = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 5  # offices sometimes put a title row or two above the header
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

KIND_LABELS = {
    "buildings": gettext_lazy("楼栋"),
    "units": gettext_lazy("房屋"),
    "residents": gettext_lazy("住户"),
    "phones": gettext_lazy("住户电话"),
    "occupancies": gettext_lazy("住户房屋关系"),
}


@dataclass
class Counts:
    """How many records of one kind an import created, changed and found already up to date."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """The outcome of an import: the problems found (nothing written), or the counts."""

    errors: list[ImportIssue] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in KIND_LABELS})

    @property
    def ok(self) -> bool:
        """Return whether the file was imported."""
        return not self.errors

    def summary(self) -> list[tuple[str, Counts]]:
        """Return (label, counts) per kind, in the order the page and the command show them."""
        return [(str(KIND_LABELS[kind]), self.counts[kind]) for kind in KIND_LABELS]


@dataclass
class _Building:
    row: int
    code: str
    name: str
    floors: int | None
    entrances: int | None


@dataclass
class _Unit:
    row: int
    key: tuple[str, str, str]
    values: dict[str, Any] = field(default_factory=dict)  # field name → value, blanks left out
    seen: dict[str, int] = field(default_factory=dict)  # field name → row it came from


@dataclass
class _Resident:
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)
    existing: Resident | None = None


@dataclass
class _Occupancy:
    row: int
    resident: _Resident
    unit: tuple[str, str, str]
    role: str
    start: date | None


def _max_length(model: type[models.Model], name: str) -> int:
    max_length = model._meta.get_field(name).max_length  # type: ignore[union-attr]
    assert max_length is not None  # noqa: S101 - every field looked up here is a CharField
    return int(max_length)


def _shown(column: str, value: Any) -> str:
    """Return a stored value as the file writes it, for messages about two rows that disagree."""
    labels = fmt.choice_columns().get(column, {})
    if isinstance(value, date):
        return value.isoformat()
    return labels.get(value, str(value))


def _merge(record: _Unit | _Resident, name: str, column: str, value: Any, cells: RowCells, what: str) -> None:
    """Take a value for a record that appears on several rows; two different non-blank values are an error."""
    if value is None or value == "":
        return
    if name not in record.values:
        record.values[name] = value
        record.seen[name] = cells.row
    elif record.values[name] != value:
        other = record.values[name]
        cells.error(
            column,
            _("与第 %(row)s 行同一%(what)s的填写不一致（“%(other)s”与“%(value)s”）")
            % {
                "row": record.seen[name],
                "what": what,
                "other": _shown(column, other),
                "value": _shown(column, value),
            },
        )


class _Parser:
    """Reads both sheets into plain records, collecting every problem."""

    def __init__(self) -> None:
        self.issues: list[ImportIssue] = []
        self.buildings: list[_Building] = []
        self.units: dict[tuple[str, str, str], _Unit] = {}
        self.residents: list[_Resident] = []
        self.occupancies: list[_Occupancy] = []
        self.labels = fmt.choice_columns()
        self.readable = False  # both sheets were found with their columns

    def file_error(self, reason: str, sheet: str = "") -> None:
        self.issues.append(ImportIssue(sheet, None, "", reason))

    def sheet_rows(self, wb: Any, sheet: str, columns: tuple[str, ...]) -> list[RowCells] | None:
        """Return the data rows of a sheet keyed by column name, or None if the sheet is unusable."""
        if sheet not in wb.sheetnames:
            self.file_error(_("缺少工作表“%(sheet)s”，请使用下载的模板填写") % {"sheet": sheet}, sheet)
            return None
        raw = _raw_rows(wb[sheet], fmt.MAX_ROWS + HEADER_SCAN_ROWS)
        header_row, positions = _find_header(raw[:HEADER_SCAN_ROWS], columns)
        missing = [c for c in columns if c not in positions]
        if missing:
            self.file_error(
                _("“%(sheet)s”表缺少列：%(columns)s。请使用下载的模板，不要修改第一行的列名")
                % {"sheet": sheet, "columns": "、".join(missing)},
                sheet,
            )
            return None
        rows = []
        for number, values in raw:
            cells = {c: values[i] if i < len(values) else None for c, i in positions.items()}
            if number > header_row and not all(is_blank(v) for v in cells.values()):
                for column, value in cells.items():
                    if isinstance(value, _Formula):
                        self.issues.append(ImportIssue(sheet, number, column, _formula_reason(value)))
                        cells[column] = None
                rows.append(RowCells(sheet, number, cells, self.issues))
        if len(rows) > fmt.MAX_ROWS:
            self.file_error(
                _("“%(sheet)s”表超过 %(limit)s 行的上限，请分成几个文件导入")
                % {"sheet": sheet, "limit": fmt.MAX_ROWS},
                sheet,
            )
            return None
        return rows

    def parse_buildings(self, rows: list[RowCells]) -> None:
        seen: dict[str, int] = {}
        for r in rows:
            code = r.text(fmt.B_CODE, _max_length(Building, "code"), required=_("不能为空"))
            item = _Building(
                row=r.row,
                code=code,
                name=r.text(fmt.B_NAME, _max_length(Building, "name")),
                floors=r.integer(fmt.B_FLOORS, 0, 32767),
                entrances=r.integer(fmt.B_ENTRANCES, 0, 32767),
            )
            if code in seen:
                r.error(
                    fmt.B_CODE, _("楼栋“%(code)s”与第 %(row)s 行重复") % {"code": code, "row": seen[code]}
                )
            elif code:
                seen[code] = r.row
                self.buildings.append(item)

    def parse_units(self, rows: list[RowCells]) -> None:
        resident_rows: list[tuple[RowCells, tuple[str, str, str], dict[str, Any]]] = []
        empty_units: dict[tuple[str, str, str], int] = {}
        for r in rows:
            building = r.text(fmt.U_BUILDING, _max_length(Building, "code"), required=_("不能为空"))
            # "2单元" and "2" mean the same entrance; the system stores the bare number.
            entrance = re.sub(r"单元$", "", r.text(fmt.U_ENTRANCE, _max_length(Unit, "entrance")))
            number = r.text(fmt.U_NUMBER, _max_length(Unit, "number"), required=_("不能为空"))
            key = (building, entrance, number)
            unit = self.units.setdefault(key, _Unit(row=r.row, key=key))
            _merge(unit, "floor", fmt.U_FLOOR, r.integer(fmt.U_FLOOR, -32768, 32767), r, _("房屋"))
            _merge(unit, "kind", fmt.U_KIND, r.choice(fmt.U_KIND, self.labels[fmt.U_KIND]), r, _("房屋"))
            _merge(unit, "area", fmt.U_AREA, r.area(fmt.U_AREA), r, _("房屋"))
            _merge(unit, "handover_date", fmt.U_HANDOVER, r.day(fmt.U_HANDOVER), r, _("房屋"))
            if all(r.blank(c) for c in fmt.RESIDENT_COLUMNS):
                if key in empty_units:
                    r.error("", _("与第 %(row)s 行重复") % {"row": empty_units[key]})
                empty_units.setdefault(key, r.row)
                continue
            resident_rows.append((r, key, self.parse_resident(r)))
        self.group_residents(resident_rows)

    def parse_resident(self, r: RowCells) -> dict[str, Any]:
        name = r.text(
            fmt.R_NAME, _max_length(Resident, "name"), required=_("填写了住户的其他信息时，住户姓名不能为空")
        )
        kind = r.choice(fmt.R_KIND, self.labels[fmt.R_KIND])
        role = r.choice(
            fmt.O_ROLE,
            self.labels[fmt.O_ROLE],
            required=_("填写住户时必须填写身份（业主/租户/家庭成员/单位业主）"),
        )
        if role == OccupancyRole.COMPANY_OWNER:
            if kind == ResidentKind.PERSON:
                r.error(fmt.R_KIND, _("身份为“单位业主”时，住户类别应为“单位”"))
            kind = kind or ResidentKind.COMPANY
        return {
            "name": name,
            "kind": kind,
            "role": role,
            "phones": r.phones(fmt.R_PHONES),
            "id_number": r.id_number(fmt.R_ID, _max_length(Resident, "id_number")),
            "start": r.day(fmt.O_START),
            "notes": r.text(fmt.R_NOTES, LONG_TEXT_MAX),
        }

    def group_residents(self, rows: list[tuple[RowCells, tuple[str, str, str], dict[str, Any]]]) -> None:
        """Gather the rows of each resident: by ID number, else by name and first phone number."""
        by_id: dict[str, _Resident] = {}
        by_name: dict[tuple[str, str], _Resident] = {}
        # Rows with an ID number first, so a row that leaves the ID out but has the same name and
        # first phone as one that gives it joins that resident instead of becoming a second one.
        rows = sorted(rows, key=lambda item: not item[2]["id_number"])
        occupancy_rows: dict[tuple[int, tuple[str, str, str], str], int] = {}
        for r, unit_key, data in rows:
            name_key = (data["name"], data["phones"][0] if data["phones"] else "")
            resident = by_id.get(data["id_number"]) if data["id_number"] else by_name.get(name_key)
            if resident is None:
                resident = _Resident(row=r.row)
                self.residents.append(resident)
                if data["id_number"]:
                    by_id[data["id_number"]] = resident
                if name_key[1] or not data["id_number"]:
                    by_name.setdefault(name_key, resident)
            for name, column in (
                ("name", fmt.R_NAME),
                ("kind", fmt.R_KIND),
                ("id_number", fmt.R_ID),
                ("notes", fmt.R_NOTES),
            ):
                _merge(resident, name, column, data[name], r, _("住户"))
            resident.phones += [p for p in data["phones"] if p not in resident.phones]
            key = (id(resident), unit_key, data["role"])
            if key in occupancy_rows:
                r.error("", _("与第 %(row)s 行重复") % {"row": occupancy_rows[key]})
                continue
            occupancy_rows[key] = r.row
            self.occupancies.append(_Occupancy(r.row, resident, unit_key, data["role"], data["start"]))


@dataclass(frozen=True)
class _Formula:
    """A cell holding a formula: refused, because its value is whatever the formula computes when opened."""

    text: str


def _raw_rows(ws: Any, limit: int) -> list[tuple[int, tuple[Any, ...]]]:
    """Return (row number, values) of the sheet's non-blank rows, stopping after ``limit`` of them.

    A formula cell's value is a :class:`_Formula`: the workbook is read without cached results, so
    a formula is seen as what it is rather than as the text or number it last produced.
    """
    rows = []
    # Blank rows are skipped rather than counted: sheets often carry formatting far below the data.
    for number, cells in enumerate(ws.iter_rows(min_row=1), start=1):
        values = tuple(
            _Formula(str(c.value)) if getattr(c, "data_type", None) == "f" else c.value for c in cells
        )
        if all(is_blank(v) for v in values):
            continue
        rows.append((number, values))
        if len(rows) > limit:
            break
    return rows


def _formula_reason(formula: _Formula) -> str:
    shown = formula.text if len(formula.text) <= 40 else formula.text[:40] + "…"
    return _(
        "单元格是公式（%(formula)s），导入不接受公式：请把这一列复制后“选择性粘贴为数值”，或直接填写内容"
    ) % {"formula": shown}


def _find_header(
    rows: list[tuple[int, tuple[Any, ...]]], columns: tuple[str, ...]
) -> tuple[int, dict[str, int]]:
    """Return (header row number, column name → index) of the row naming most of the columns."""
    best: tuple[int, dict[str, int]] = (0, {})
    for number, values in rows:
        positions: dict[str, int] = {}
        for index, value in enumerate(values):
            name = re.sub(r"\s+", "", as_text(value)).rstrip("*＊")
            if name in columns and name not in positions:
                positions[name] = index
        if len(positions) > len(best[1]):
            best = (number, positions)
    return best


def _read_file(file: IO[bytes] | bytes | str | os.PathLike[str], issues: list[ImportIssue]) -> bytes | None:
    """Return the file's bytes, or None after noting why it cannot be an .xlsx workbook."""
    limit = fmt.MAX_FILE_BYTES
    too_big = _("文件超过 %(mb)s MB 的上限，请分成几个文件导入") % {"mb": limit // (1024 * 1024)}
    if isinstance(file, bytes):
        data = file
    elif isinstance(file, str | os.PathLike):
        with open(file, "rb") as handle:
            data = handle.read(limit + 1)
    else:
        size = getattr(file, "size", None)
        if isinstance(size, int) and size > limit:
            issues.append(ImportIssue("", None, "", too_big))
            return None
        data = file.read(limit + 1)
    if len(data) > limit:
        issues.append(ImportIssue("", None, "", too_big))
        return None
    if data.startswith(_XLS_MAGIC):
        reason = _(
            "这是旧版 .xls 文件或设置了密码的文件，请在 Excel 或 WPS 中“另存为” .xlsx（不加密码）后再导入"
        )
    elif not data.startswith(b"PK\x03\x04"):
        reason = _(
            "文件不是 Excel 工作簿（.xlsx）。如果是 CSV 或其他格式，请先在 Excel 或 WPS 中另存为 .xlsx"
        )
    else:
        return data
    issues.append(ImportIssue("", None, "", reason))
    return None


def _parse(file: IO[bytes] | bytes | str | os.PathLike[str]) -> _Parser:
    parser = _Parser()
    data = _read_file(file, parser.issues)
    if data is None:
        return parser
    try:
        # data_only=False: formulas are read as formulas (and refused), not as their last cached result.
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            building_rows = parser.sheet_rows(wb, fmt.BUILDING_SHEET, fmt.BUILDING_COLUMNS)
            unit_rows = parser.sheet_rows(wb, fmt.UNIT_SHEET, fmt.UNIT_COLUMNS)
        finally:
            wb.close()
    except Exception:  # openpyxl raises many kinds of error on a damaged file; all mean the same to the user
        logger.info("unreadable directory import file", exc_info=True)
        parser.issues = [ImportIssue("", None, "", _("文件已损坏或不是有效的 .xlsx 工作簿，无法读取"))]
        return parser
    if building_rows is not None and unit_rows is not None:
        parser.parse_buildings(building_rows)
        parser.parse_units(unit_rows)
        parser.readable = True
    return parser


def import_directory(
    estate: Estate, file: IO[bytes] | bytes | str | os.PathLike[str], user: AnyUser | None
) -> ImportResult:
    """Import the buildings, units and residents of a file into an estate, all or nothing."""
    if user is not None:  # the page checks this too; the command line passes no user
        require(user, Cap.DIRECTORY_IMPORT)
        if not can_see_estate(user, estate.pk):
            raise PermissionDenied(Cap.DIRECTORY_IMPORT)
    parser = _parse(file)
    result = ImportResult(errors=parser.issues)
    if parser.readable:
        with transaction.atomic():
            # Serialise imports into one estate, so two uploads at once cannot both create a building.
            for_update(Estate).filter(pk=estate.pk).first()
            writer = _Writer(estate, parser, result)
            writer.resolve()  # even after errors in the cells, so the office sees every problem at once
            if not result.errors:
                # Every history row of the import names the importing user and says it came from a file.
                with acting_as(user, reason=EXCEL_IMPORT):
                    writer.write()
    if result.errors:
        sheets = {"": 0, fmt.BUILDING_SHEET: 1, fmt.UNIT_SHEET: 2}
        result.errors.sort(key=lambda e: (sheets.get(e.sheet, 3), e.row or 0))
        return result
    logger.info(
        "directory import into %s by %s: %s",
        estate.code,
        getattr(user, "username", "command line"),
        {k: (c.created, c.updated) for k, c in result.counts.items()},
    )
    return result


class _Writer:
    """Matches the file's records with the database, checks what needs the database, then writes."""

    def __init__(self, estate: Estate, parser: _Parser, result: ImportResult) -> None:
        self.estate, self.parser, self.result = estate, parser, result
        self.buildings = {b.code: b for b in Building.objects.filter(estate=estate)}
        self.units = {
            (u.building.code, u.entrance, u.number): u
            for u in Unit.objects.filter(building__estate=estate).select_related("building")
        }
        self.occupancies = {
            (o.resident_id, o.unit_id, o.role): o
            for o in Occupancy.objects.filter(unit__building__estate=estate)
        }

    def error(self, sheet: str, row: int, column: str, reason: str) -> None:
        self.result.errors.append(ImportIssue(sheet, row, column, reason))

    def resolve(self) -> None:
        known = set(self.buildings) | {b.code for b in self.parser.buildings}
        for b in self.parser.buildings:
            if b.code not in self.buildings and not b.name:
                self.error(fmt.BUILDING_SHEET, b.row, fmt.B_NAME, _("新楼栋的楼栋名称不能为空"))
        for unit in self.parser.units.values():
            if unit.key[0] and unit.key[0] not in known:
                self.error(
                    fmt.UNIT_SHEET,
                    unit.row,
                    fmt.U_BUILDING,
                    _("楼栋“%(code)s”既不在“楼栋”表中，系统中也没有，请先在“楼栋”表中填写")
                    % {"code": unit.key[0]},
                )
        self.match_residents()
        for occ in self.parser.occupancies:
            resident, stored = occ.resident.existing, self.units.get(occ.unit)
            existing = (
                self.occupancies.get((resident.pk, stored.pk, occ.role)) if resident and stored else None
            )
            if existing and existing.end_date and occ.start and occ.start > existing.end_date:
                self.error(
                    fmt.UNIT_SHEET,
                    occ.row,
                    fmt.O_START,
                    _("入住日期不能晚于系统中记录的迁出日期 %(date)s")
                    % {"date": existing.end_date.isoformat()},
                )

    def match_residents(self) -> None:
        """Find each resident of the file in the database, by ID number or by name and phone."""
        by_id: dict[str, list[Resident]] = {}
        by_phone: dict[tuple[str, str], list[Resident]] = {}
        no_phone: dict[str, list[Resident]] = {}
        for resident in Resident.objects.filter(estate=self.estate).prefetch_related("phones"):
            if resident.id_number:
                by_id.setdefault(resident.id_number, []).append(resident)
            numbers = [p.number for p in resident.phones.all()]
            for number in numbers:
                by_phone.setdefault((resident.name, number), []).append(resident)
            if not numbers and not resident.id_number:
                no_phone.setdefault(resident.name, []).append(resident)
        claimed: dict[int, int] = {}
        for plan in self.parser.residents:
            name, id_number = plan.values.get("name", ""), plan.values.get("id_number", "")
            first = plan.phones[0] if plan.phones else ""
            if id_number:
                matches = by_id.get(id_number, [])
                if not matches and first:  # a resident on file before the office had the ID number
                    matches = [r for r in by_phone.get((name, first), []) if not r.id_number]
            else:
                matches = by_phone.get((name, first), []) if first else no_phone.get(name, [])
            if len(matches) > 1:
                self.error(
                    fmt.UNIT_SHEET,
                    plan.row,
                    fmt.R_ID if id_number else fmt.R_NAME,
                    _(
                        "系统中有 %(count)s 位住户与此相符，无法确定是哪一位；请填写证件号码，或先在系统中合并重复的住户"
                    )
                    % {"count": len(matches)},
                )
            elif matches:
                plan.existing = matches[0]
                if plan.existing.pk in claimed:
                    self.error(
                        fmt.UNIT_SHEET,
                        plan.row,
                        fmt.R_NAME,
                        _("与第 %(row)s 行是系统中的同一位住户，请统一填写证件号码")
                        % {"row": claimed[plan.existing.pk]},
                    )
                claimed.setdefault(plan.existing.pk, plan.row)

    def write(self) -> None:
        counts = self.result.counts
        for b in self.parser.buildings:
            building = self.buildings.get(b.code)
            if building is None:
                self.buildings[b.code] = Building.objects.create(
                    estate=self.estate, code=b.code, name=b.name, floors=b.floors, entrances=b.entrances or 0
                )
                counts["buildings"].created += 1
            else:
                _update(
                    building,
                    {"name": b.name, "floors": b.floors, "entrances": b.entrances},
                    counts["buildings"],
                )
        for unit in self.parser.units.values():
            existing = self.units.get(unit.key)
            if existing is None:
                values = {"kind": UnitKind.RESIDENCE, **unit.values}
                self.units[unit.key] = Unit.objects.create(
                    building=self.buildings[unit.key[0]], entrance=unit.key[1], number=unit.key[2], **values
                )
                counts["units"].created += 1
            else:
                _update(existing, unit.values, counts["units"])
        for plan in self.parser.residents:
            self.write_resident(plan)
        for occ in self.parser.occupancies:
            resident, stored = occ.resident.existing, self.units[occ.unit]
            assert resident is not None  # noqa: S101 - write_resident set it
            found = self.occupancies.get((resident.pk, stored.pk, occ.role))
            if found is None:
                Occupancy.objects.create(resident=resident, unit=stored, role=occ.role, start_date=occ.start)
                counts["occupancies"].created += 1
            else:
                _update(found, {"start_date": occ.start}, counts["occupancies"])

    def write_resident(self, plan: _Resident) -> None:
        counts = self.result.counts
        if plan.existing is None:
            values = {"kind": ResidentKind.PERSON, "id_number": "", "notes": "", **plan.values}
            plan.existing = create_resident(estate=self.estate, phones=plan.phones, **values)
            counts["residents"].created += 1
            counts["phones"].created += len(plan.phones)
            return
        resident = plan.existing
        have = {p.number for p in resident.phones.all()}  # prefetched by match_residents
        added = [n for n in plan.phones if n not in have]
        for number in added:
            ResidentPhone.objects.create(resident=resident, number=number)
        counts["phones"].created += len(added)
        counts["phones"].unchanged += len(plan.phones) - len(added)
        changed = _update(resident, plan.values, None)
        if changed or added:
            counts["residents"].updated += 1
        else:
            counts["residents"].unchanged += 1


def _update(obj: models.Model, values: dict[str, Any], counts: Counts | None) -> bool:
    """Set the given non-blank values that differ and save just those fields; return whether any did."""
    changed = [
        name for name, value in values.items() if value not in (None, "") and getattr(obj, name) != value
    ]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        if isinstance(obj, Resident):
            changed.append("updated_at")  # auto_now is only saved when listed
        obj.save(update_fields=changed)
    if counts is not None:
        if changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    return bool(changed)
