"""Start-up checks: can this app server reach its database and its cache?"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def redact(url):
    """The URL without its password, fit for a log or an error message."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def database_problem():
    """None when the database answers, else a sentence saying what is wrong."""
    from django.db import connection

    db = connection.settings_dict
    host = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    where = f"{db.get('USER') or ''}@{host}/{db.get('NAME')}"
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - every failure is reported the same way
        detail = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
        return (
            f"Cannot connect to the PostgreSQL database {where}: {detail}\n"
            "  Check DATABASE_URL (postgres://user:password@host:port/name) and that the server is running."
        )
    finally:
        connection.close()
    return None


def cache_problem():
    """None when every cache alias answers, else a sentence saying which one is wrong."""
    from django.core.cache import caches

    for alias, config in settings.CACHES.items():
        try:
            cache = caches[alias]
            cache.set("broadsheet-start-up-check", "ok", 10)
            if cache.get("broadsheet-start-up-check") != "ok":
                raise RuntimeError("a value written was not read back")
        except Exception as error:  # noqa: BLE001
            location = config.get("LOCATION", "")
            if not location.startswith("redis"):
                return (
                    f"Cannot use the {alias} cache in {location or 'local memory'}: {error}\n"
                    "  Check that CACHE_DIR names a folder this user may write to, or set REDIS_URL."
                )
            variable = "PAGE_CACHE_REDIS_URL or REDIS_URL" if alias == "pages" else "REDIS_URL"
            return (
                f"Cannot use the cache at {redact(location)}: {error}\n"
                f"  Check {variable} (redis://host:6379/0) and that the Redis server is running."
            )
    return None


def service_problems():
    return [problem for problem in (database_problem(), cache_problem()) if problem]
