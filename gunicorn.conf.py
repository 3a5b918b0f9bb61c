"""gunicorn's settings for Broadsheet (`make serve`); every value can come from the environment."""

import multiprocessing
import os
import sys

wsgi_app = "broadsheet.wsgi:application"
host, port = os.environ.get("HOST", "0.0.0.0"), os.environ.get("PORT", "8000")
bind = os.environ.get("GUNICORN_BIND", f"{host}:{port}")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30  # on SIGTERM, requests in flight finish before a worker exits
keepalive = 5
# Requests are logged by Broadsheet itself, as JSON (broadsheet.middleware.RequestLogMiddleware).
# Several app servers may share a host: no control socket (its path would be shared).
control_socket_disable = True
accesslog = None
errorlog = "-"
# The proxy in front sets X-Forwarded-Proto; trust it from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def on_starting(server):
    """Refuse to start, with the reason, when the database or the cache cannot be reached."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.production")
    try:
        django.setup()
    except ImproperlyConfigured as error:
        sys.exit(f"Broadsheet is not configured: {error}")
    from broadsheet.services import service_problems

    problems = service_problems()
    if problems:
        sys.exit("Broadsheet cannot start:\n" + "\n".join(problems))
