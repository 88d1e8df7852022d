"""WSGI entry point (gunicorn liens.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liens.settings")

application = get_wsgi_application()
