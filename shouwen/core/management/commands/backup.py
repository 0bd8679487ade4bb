"""`shouwen backup`: the database and uploads in one archive, safe while Shouwen runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shouwen.core.backup import BackupError, backup, prune


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one .tar.gz archive (see docs/deploy.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            default=str(settings.VAR_DIR / "backups"),
            help="folder for the archive (default var/backups)",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help="then delete all but the newest N archives there (0: keep all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["keep"] < 0:
            raise CommandError("--keep must be 0 or more")
        output = Path(options["output"])
        try:
            path, manifest = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(f"{path} ({manifest['engine']}, {rows} rows, {manifest['media_files']} files)")
        if options["keep"]:
            for old in prune(output, options["keep"]):
                self.stdout.write(f"deleted {old}")
