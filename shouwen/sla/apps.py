from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    """Working calendar, deadline policies, deadlines, pauses and the escalation ladder."""

    name = "shouwen.sla"
    verbose_name = _("时限与督办")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from shouwen.sla import signals  # noqa: F401 - connects the handlers

        # Also after a test database is flushed, so the seeded policies are always there.
        post_migrate.connect(_seed, sender=self, dispatch_uid="sla_seed")


def _seed(sender: AppConfig, **kwargs: object) -> None:
    from shouwen.sla.models import DeadlinePolicy
    from shouwen.sla.seed import seed_policies

    seed_policies(DeadlinePolicy)
