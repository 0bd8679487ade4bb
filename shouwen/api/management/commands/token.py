"""`shouwen token USERNAME`: make a new API token for a staff member and print it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shouwen.access.permissions import is_staff_member
from shouwen.accounts.throttle import find_user
from shouwen.accounts.tokens import issue_token, revoke_all


class Command(BaseCommand):
    """Print a new API token of a user given by username or staff number."""

    help = (
        "Make a new API token for a staff member and print it (Authorization: Token …). Only a hash is "
        "stored, so the token cannot be shown again; it expires after SHOUWEN_TOKEN_DAYS days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("login", metavar="USERNAME", help="username or staff number (工号)")
        parser.add_argument(
            "--reset", action="store_true", help="revoke the user's other tokens first (they stop working)"
        )
        parser.add_argument(
            "--name", default="", help="what the token is for, shown on the user's token page"
        )
        parser.add_argument(
            "--days", type=int, default=None, help="days until it expires (default SHOUWEN_TOKEN_DAYS)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        login = options["login"].strip()
        user = find_user(login)
        if user is None:
            raise CommandError(_("没有用户名或工号为“%(login)s”的账号") % {"login": login})
        # The API turns away anyone but active staff, so a token for them would only mislead.
        if not is_staff_member(user):
            raise CommandError(_("账号“%(login)s”不是在职员工，不能使用接口") % {"login": login})
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError(_("有效天数至少为 1"))
        if options["reset"]:
            revoke_all(None, user)  # no signed-in actor on the command line
        _token, text = issue_token(user, name=options["name"] or _("命令行创建"), days=days)
        self.stdout.write(text)
