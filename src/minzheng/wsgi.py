"""WSGI entry point: ``gunicorn minzheng.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
application = get_wsgi_application()
