"""Back up and restore the database (pg_dump/pg_restore) and the media folder as one archive."""

import os
import shutil
import subprocess
import warnings
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection


def pg_tool(name):
    """The pg_dump/pg_restore that ship with pgserver (PostgreSQL 16): they read older servers' data too."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver

    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
    found = str(bundled) if bundled.exists() else shutil.which(name)
    if not found:
        raise CommandError(f"{name} was not found (it comes with the pgserver package).")
    return found


def pg_environment():
    """The configured database as libpq variables (so the password stays off the command line)."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGCONNECT_TIMEOUT": "10"}
    options = db.get("OPTIONS", {})
    variables = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
    for key, variable in variables.items():
        # A socket folder (the embedded server's) arrives as ?host=... in OPTIONS.
        value = db.get(key) or options.get(key.lower())
        if value:
            env[variable] = str(value)
    if options.get("sslmode"):
        env["PGSSLMODE"] = options["sslmode"]
    return env


def run_pg(name, *args):
    connection.close()  # no open transaction of ours may hold locks pg_restore needs
    result = subprocess.run([pg_tool(name), *args], env=pg_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{name} failed: {result.stderr.strip()}")
    return result
