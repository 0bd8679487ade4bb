from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Intake of contacts, the case, its accountability chain and timeline."""

    name = "shouwen.cases"
    verbose_name = _("来电来访与事项")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_fulltext_index, sender=self, dispatch_uid="cases_fulltext_index")


def _ensure_fulltext_index(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from shouwen.cases.search import ensure_index

    ensure_index(using)
