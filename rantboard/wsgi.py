"""WSGI entry point for gunicorn: `gunicorn rantboard.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rantboard.settings")

application = get_wsgi_application()
