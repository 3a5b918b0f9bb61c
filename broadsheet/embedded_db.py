"""The embedded PostgreSQL server (pgserver) used when DATABASE_URL is not set."""

import json
import os
import sys
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
    repair_handle_list(data_dir)
    # cleanup_mode=None: the server outlives the process that started it, so the dev server's
    # autoreloader, gunicorn workers and management commands all share one running server.
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return server.get_uri(name)


def repair_handle_list(data_dir):
    """Make pgserver's list of processes using the server readable again.

    pgserver rewrites `.handle_pids.json` in place as processes start and exit, so a process
    killed in the middle (Ctrl-C twice, a closed terminal) can leave it empty or cut short, and
    pgserver then fails on every start. The list only decides when to stop the server, which
    Broadsheet never asks it to do, so an unreadable one is replaced by the processes still alive.
    """
    path = Path(data_dir) / ".handle_pids.json"
    if not path.exists():
        return
    with _pgserver().postgres_server.PostgresServer._lock:
        text = path.read_text()
        try:
            pids = json.loads(text)
            if isinstance(pids, list) and all(isinstance(pid, int) for pid in pids):
                return
        except ValueError:
            pass
        alive = [
            int(pid)
            for pid in text.replace("[", " ").replace("]", " ").replace(",", " ").split()
            if pid.isdigit() and _is_running(int(pid))
        ]
        path.write_text(json.dumps(alive))
    print(f"Repaired the embedded database's process list ({path}).", file=sys.stderr)


def _is_running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop(data_dir=DEFAULT_DATA_DIR):
    """Stop the embedded server if it is running."""
    pg_ctl = _pgserver().pg_ctl
    if (Path(data_dir) / "postmaster.pid").exists():
        # pgserver runs the server as its own "pgserver" user only when started by root.
        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=Path(data_dir), user=user)
