from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    """Desk procedures (move-in, decoration…) and their document checklists (一次性告知)."""

    name = "shouwen.procedures"
    verbose_name = _("办理手续")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Also after a test database is flushed, so the seeded checklists are always there.
        post_migrate.connect(_seed, sender=self, dispatch_uid="procedures_seed")


def _seed(sender: AppConfig, **kwargs: object) -> None:
    from shouwen.procedures.models import ChecklistItem, Procedure
    from shouwen.procedures.seed import seed_checklists

    seed_checklists(Procedure, ChecklistItem)
