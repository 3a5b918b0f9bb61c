"""What the browser tests need from the machine: Debian's Chromium and axe-core, installed when missing."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("BROADSHEET_CHROMIUM", "/usr/bin/chromium"))
# Chromium starts without a sandbox (the tests may run as root) and without the background services
# that would reach out to the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
AXE_VERSION = "4.14.1"
AXE_DIR = BASE_DIR / ".data" / "npm"
AXE_FILE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = BASE_DIR / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
APT_INSTALL = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends"]


def _as_root(command):
    if os.geteuid() == 0:
        return command
    if shutil.which("sudo"):
        return ["sudo", "-n", *command]
    return command


def _run(command):
    return subprocess.run(command, capture_output=True, text=True, check=False)


def ensure_chromium():
    """Install Debian's chromium package unless the browser is already there; fail loudly otherwise."""
    if CHROMIUM.exists():
        return CHROMIUM
    attempts = [_as_root([*APT_INSTALL, "chromium"])]
    result = _run(attempts[0])
    if result.returncode != 0:
        # A fresh machine may have no package lists yet.
        _run(_as_root(["apt-get", "-o", "DPkg::Lock::Timeout=600", "update"]))
        result = _run(attempts[0])
    if result.returncode != 0 or not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}. Installing Debian's chromium package failed "
            f"(run `apt-get install chromium` as root):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}",
            pytrace=False,
        )
    return CHROMIUM


def ensure_axe():
    """axe-core from the npm registry, kept in .data/npm (git-ignored); the script's source text."""
    if not AXE_FILE.exists():
        npm = shutil.which("npm")
        if npm is None:
            result = _run(_as_root([*APT_INSTALL, "npm"]))
            npm = shutil.which("npm")
            if npm is None:
                pytest.fail(f"The accessibility tests need npm to install axe-core:\n{result.stderr[-2000:]}")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        result = _run(
            [npm, "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund", f"axe-core@{AXE_VERSION}"]
        )
        if result.returncode != 0 or not AXE_FILE.exists():
            message = f"npm could not install axe-core {AXE_VERSION}:\n{result.stderr[-2000:]}"
            pytest.fail(message, pytrace=False)
    return AXE_FILE.read_text()


def axe_violations(page, axe_source, impacts=("serious", "critical")):
    """Run axe-core on the page as it is now; the violations of the given impacts, readable."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    results = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}
        })"""
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in results["violations"]
        if violation["impact"] in impacts
    ]


def assert_accessible(page, axe_source):
    violations = axe_violations(page, axe_source)
    assert violations == [], f"{page.url}:\n{json.dumps(violations, indent=2)}"


def screenshot(page, name, widths=(1280, 390)):
    """Full-page screenshots of the page at a desktop and a phone width, for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(original)
