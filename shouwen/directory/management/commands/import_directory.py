"""`shouwen import-directory ESTATE_CODE FILE`: import an estate's Excel file from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shouwen.core.history import acting_as
from shouwen.directory.excel_import import import_directory
from shouwen.directory.models import Estate


class Command(BaseCommand):
    help = "Import buildings, units and residents of an estate from an .xlsx file (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("estate_code", help="estate code, e.g. LJY")
        parser.add_argument("file", type=Path, help="the filled-in .xlsx workbook")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="the user the changes are recorded for in the history",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code: str = options["estate_code"]
        path: Path = options["file"]
        estate = Estate.objects.filter(code__iexact=code).first()
        if estate is None:
            raise CommandError(_("没有编码为“%(code)s”的小区") % {"code": code})
        if not path.is_file():
            raise CommandError(_("找不到文件“%(path)s”") % {"path": path})
        by: User | None = None
        if options["by"]:
            by = User.objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(_("没有用户名为“%(name)s”的用户") % {"name": options["by"]})
        # The command line is trusted (no permission check); --by only names who made the changes.
        with acting_as(by):
            result = import_directory(estate, path, None)
        if not result.ok:
            for issue in result.errors:
                self.stderr.write(str(issue))
            raise CommandError(
                _("发现 %(count)s 处错误，没有导入任何数据") % {"count": len(result.errors)}, returncode=1
            )
        self.stdout.write(
            self.style.SUCCESS(_("已导入到%(name)s（%(code)s）") % {"name": estate.name, "code": estate.code})
        )
        for label, counts in result.summary():
            self.stdout.write(
                _("%(label)s：新增 %(created)s，更新 %(updated)s，无变化 %(unchanged)s")
                % {
                    "label": label,
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                }
            )
