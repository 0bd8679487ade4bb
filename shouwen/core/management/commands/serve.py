"""Serve Shouwen with gunicorn on 127.0.0.1:8000 (static files through whitenoise)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def gunicorn_argv(bind: str, workers: int) -> list[str]:
    """Return the command line that runs gunicorn with Shouwen's WSGI application."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "shouwen.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--timeout",
        "60",
    ]


def default_workers() -> int:
    """Return the number of gunicorn workers from WEB_CONCURRENCY (2 when unset)."""
    return int(os.environ.get("WEB_CONCURRENCY", "2"))


class Command(BaseCommand):
    help = "Serve Shouwen with gunicorn (collects static files first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("SHOUWEN_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv(options["bind"], options["workers"])
        self.stdout.write(f"Shouwen: http://{options['bind']}/")
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - replace this process with gunicorn
