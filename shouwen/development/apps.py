"""The development app: demo data, the demo server and the data generator (no models, no pages)."""

from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    """Commands for trying and measuring Shouwen: ``demo``, ``demo-data`` and ``generate``."""

    name = "shouwen.development"
    verbose_name = "开发与演示"
