"""WSGI entry point (gunicorn liens.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from liens.lib.warm import FreezeWhenWarm

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liens.settings")

# Once warm, the worker's lasting objects are left out of the garbage collector's walks.
application = FreezeWhenWarm(get_wsgi_application())
