"""WSGI entry point for gunicorn (`shouwen serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwen.settings")
application = get_wsgi_application()
