import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.production")

django_application = get_wsgi_application()

# Imported once Django is set up: stored pages are answered before Django's handler runs.
from broadsheet.caching.front import PageCacheFront  # noqa: E402

application = PageCacheFront(django_application)
