"""The `shouwen` command: Django's manage.py with the project's commands spelled with dashes."""

from __future__ import annotations

import os
import sys

ALIASES = {"demo-data": "demo_data", "create-staff": "create_staff", "import-directory": "import_directory"}


def main(argv: list[str] | None = None) -> int:
    """Run a management command, e.g. `shouwen migrate`, `shouwen demo-data`, `shouwen serve`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwen.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    args[0] = "shouwen"
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
