"""The embedded PostgreSQL server (pgserver) used when DATABASE_URL is not set."""

import os
import warnings
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / ".data" / "postgres"


def _pgserver():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; pgserver then uses /tmp, which is fine.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver
    return pgserver


def database_url(name="broadsheet", data_dir=DEFAULT_DATA_DIR):
    """Start the embedded server if needed, create database `name` if missing, return its URL."""
    import psycopg

    pgserver = _pgserver()
    data_dir = Path(data_dir)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives the process that started it, so the dev server's
    # autoreloader, gunicorn workers and management commands all share one running server.
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return server.get_uri(name)


def stop(data_dir=DEFAULT_DATA_DIR):
    """Stop the embedded server if it is running."""
    pg_ctl = _pgserver().pg_ctl
    if (Path(data_dir) / "postmaster.pid").exists():
        # pgserver runs the server as its own "pgserver" user only when started by root.
        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=Path(data_dir), user=user)
