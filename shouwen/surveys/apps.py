from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """The yearly opinion survey 业主意见征询表: questionnaires, rounds, answers, results."""

    name = "shouwen.surveys"
    verbose_name = _("业主意见征询")
