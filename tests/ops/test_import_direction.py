"""Dependencies point one way: settings → nothing of ours, broadsheet → no app, blog → neither
home, search nor subscriptions, subscriptions → only blog and broadsheet (docs/architecture.md)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = {"blog", "home", "search", "subscriptions", "broadsheet", "settings"}
# Only the URL and WSGI wiring of the shared base may name the apps.
WIRING = {ROOT / "broadsheet" / "urls.py", ROOT / "broadsheet" / "wsgi.py"}
FORBIDDEN = {
    "settings": {"blog", "home", "search", "subscriptions", "broadsheet"},
    "broadsheet": {"blog", "home", "search", "subscriptions"},
    "blog": {"home", "search", "subscriptions"},
    "subscriptions": {"home", "search"},
}


# Settings start the embedded PostgreSQL server to learn its address; nothing else of ours.
ALLOWED = {"broadsheet.embedded_db"}


def our_imports(path):
    """The top-level packages of ours that a module imports, wherever in it (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names if name not in ALLOWED)
    return found & APPS


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_each_part_imports_only_what_sits_below_it(package):
    wrong = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        if path in WIRING or "migrations" in path.parts:
            continue
        crossed = our_imports(path) & FORBIDDEN[package]
        if crossed:
            wrong[str(path.relative_to(ROOT))] = sorted(crossed)
    assert wrong == {}
