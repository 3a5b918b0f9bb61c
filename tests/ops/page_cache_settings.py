"""settings.test with the page cache on, behind production's security headers and its
Content-Security-Policy: what tests/ops/test_page_cache_gunicorn.py serves with gunicorn."""

from settings.test import *  # noqa: F403
from settings.test import MIDDLEWARE

PAGE_CACHE_SECONDS = 600
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 3600
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"]}}
_cache = MIDDLEWARE.index("broadsheet.caching.pages.PageCacheMiddleware")
_policy = "broadsheet.middleware.ContentSecurityPolicyMiddleware"
MIDDLEWARE = [*MIDDLEWARE[:_cache], _policy, *MIDDLEWARE[_cache:]]
