"""The embedded PostgreSQL server starts whatever state an interrupted process left it in."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from broadsheet.embedded_db import DEFAULT_DATA_DIR

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs only on the embedded database"
)


def start_database():
    """What every management command does first: start the server and get its URL."""
    code = "from broadsheet.embedded_db import database_url; print(database_url())"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("damage", ["", "[12, 3", "null"], ids=["empty", "cut-short", "not-a-list"])
def test_a_damaged_process_list_does_not_stop_the_database(damage):
    handle_list = DEFAULT_DATA_DIR / ".handle_pids.json"
    handle_list.write_text(damage)
    result = start_database()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("postgresql://")
    assert "Traceback" not in result.stderr
    assert "Repaired the embedded database's process list" in result.stderr
    assert start_database().stderr.count("Repaired") == 0  # fixed for good


def test_a_killed_command_leaves_a_database_the_next_one_can_start():
    handle_list = DEFAULT_DATA_DIR / ".handle_pids.json"
    code = "from broadsheet.embedded_db import database_url; database_url(); print('up', flush=True); input()"
    holder = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "up"
        assert holder.pid in json.loads(handle_list.read_text())  # registered with pgserver
    finally:
        holder.kill()  # SIGKILL: no atexit, so pgserver never takes it off its list
        holder.wait()
    assert holder.pid in json.loads(handle_list.read_text())
    result = start_database()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("postgresql://")
    assert "Traceback" not in result.stderr
