"""`shouwen demo`: migrate, load demo data into an empty database, print the sign-ins, serve."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Set up and serve the demo: migrate, demo data if the database is empty, serve on 127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="set up only")

    def handle(self, *args: Any, **options: Any) -> None:
        from shouwen.core.management.commands.demo_data import print_sign_ins

        call_command("migrate", interactive=False, verbosity=0)
        call_command("demo_data", if_empty=True)
        print_sign_ins(self.stdout.write)
        if options["no_serve"]:
            return
        call_command("serve", bind=options["bind"])
