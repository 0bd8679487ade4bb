"""`shouwen restore ARCHIVE`: restore a backup into an empty database and the upload storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shouwen.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a `shouwen backup` archive into the (empty) database DATABASE_URL names and the upload "
        "storage; stop the web server and workers first. Row counts are checked against the backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="a shouwen-backup-….tar.gz file")
        parser.add_argument(
            "--force",
            action="store_true",
            help="SQLite only: replace a database that already has data",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore(Path(options["archive"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {result['tables']} tables ({result['rows']} rows, counts checked) "
            f"and {result['media_files']} files"
        )
