"""Seed the simulation's database: the standard world, an API token, and e-mails waiting to go out.

Run on the data host after `shouwen migrate`: ``python deploy/sim/seed.py OUT.json NOTIFICATIONS``.
Writes what the load generator needs (token, estate, resident, unit) to OUT.json.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwen.settings")

import django  # noqa: E402

django.setup()

from shouwen.accounts.tokens import issue_token  # noqa: E402
from shouwen.core.testing import make_world  # noqa: E402
from shouwen.notifications.services import notify  # noqa: E402


def main(out: str, notifications: int) -> None:
    """Create the world and the notifications; write the load generator's facts to ``out``."""
    world = make_world()
    _row, token = issue_token(world.clerk.user, name="simulation")
    supervisor = world.staff["cs_supervisor"]
    supervisor.user.email = "supervisor@sim.test"
    supervisor.user.save(update_fields=["email"])
    for i in range(notifications):
        notify(supervisor, title=f"SIM-MAIL-{i:04d} 模拟督办通知", urgent=True)
    facts = {
        "token": token,
        "estate": world.estate.pk,
        "resident": world.residents["owner"].pk,
        "unit": world.units["3-2-1502"].pk,
        "user": world.clerk.user.pk,
        "supervisor": supervisor.pk,
    }
    with open(out, "w") as fh:
        json.dump(facts, fh)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
