"""`shouwen token USERNAME`: print a staff member's API token, creating it if missing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from shouwen.access.permissions import is_staff_member


class Command(BaseCommand):
    """Print the API token of a user given by username or staff number."""

    help = "Print a staff member's API token (Authorization: Token …), creating it if missing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("login", metavar="USERNAME", help="username or staff number (工号)")
        parser.add_argument(
            "--reset", action="store_true", help="replace the existing token (the old one stops working)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        login = options["login"].strip()
        user = User.objects.filter(Q(username__iexact=login) | Q(staff__staff_no__iexact=login)).first()
        if user is None:
            raise CommandError(_("没有用户名或工号为“%(login)s”的账号") % {"login": login})
        # The API turns away anyone but active staff, so a token for them would only mislead.
        if not is_staff_member(user):
            raise CommandError(_("账号“%(login)s”不是在职员工，不能使用接口") % {"login": login})
        if options["reset"]:
            Token.objects.filter(user=user).delete()
        token, _created = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
