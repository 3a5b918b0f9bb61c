"""What the browser tests need from the machine, installed when missing: Debian's Chromium, axe-core,
pa11y (HTML_CodeSniffer) and the Nu Html Checker."""

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
# pa11y runs HTML_CodeSniffer (and its own axe) in Debian's Chromium; vnu-jar is the Nu Html Checker.
# 9.1 is pa11y's last release for Node 20, Debian's.
CHECKERS = {"pa11y": "9.1.1", "vnu-jar": "26.9.27"}
NODE_DIR = BASE_DIR / ".data" / "node"
PA11Y_PAGES = BASE_DIR / "tests" / "pa11y_pages.js"
VNU_JAR = NODE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PA11Y_CONFIG = {
    "standard": "WCAG2AA",
    "runners": ["htmlcs", "axe"],
    "includeNotices": False,
    "includeWarnings": False,
    "timeout": 60000,
    "chromeLaunchConfig": {"executablePath": str(CHROMIUM), "args": CHROMIUM_ARGS},
}
ARTIFACTS = BASE_DIR / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
SAVED_PAGES = ARTIFACTS / "html"
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


def _installed(folder, packages):
    """Whether each of `packages` ({name: version}) is installed in `folder` at that version."""
    for name, version in packages.items():
        manifest = folder / "node_modules" / name / "package.json"
        if not manifest.exists() or json.loads(manifest.read_text()).get("version") != version:
            return False
    return True


def _npm_install(folder, packages):
    """Install `packages` ({name: version}) from the npm registry into `folder` (git-ignored) unless
    they are there. Install scripts never run: they would download a browser (puppeteer) or a Java
    runtime (vnu-jar), and the machine's own are used."""
    if _installed(folder, packages):
        return
    npm = shutil.which("npm")
    if npm is None:
        result = _run(_as_root([*APT_INSTALL, "npm"]))
        npm = shutil.which("npm")
        if npm is None:
            message = f"The browser tests need npm to install {', '.join(packages)}:\n{result.stderr[-2000:]}"
            pytest.fail(message, pytrace=False)
    folder.mkdir(parents=True, exist_ok=True)
    specs = [f"{name}@{version}" for name, version in packages.items()]
    options = ["--prefix", str(folder), "--ignore-scripts", "--no-audit", "--no-fund"]
    result = _run([npm, "install", *options, *specs])
    if result.returncode != 0 or not _installed(folder, packages):
        pytest.fail(f"npm could not install {' '.join(specs)}:\n{result.stderr[-2000:]}", pytrace=False)


def ensure_axe():
    """axe-core from the npm registry, kept in .data/npm (git-ignored); the script's source text."""
    _npm_install(AXE_DIR, {"axe-core": AXE_VERSION})
    return AXE_FILE.read_text()


def ensure_checkers():
    """pa11y and the Nu Html Checker, kept in .data/node (git-ignored), and Java to run the checker."""
    ensure_chromium()
    _npm_install(NODE_DIR, CHECKERS)
    if shutil.which("java") is None:
        result = _run(_as_root([*APT_INSTALL, "default-jre-headless"]))
        if shutil.which("java") is None:
            pytest.fail(f"The Nu Html Checker needs Java:\n{result.stderr[-2000:]}", pytrace=False)


def pa11y_errors(urls):
    """The errors pa11y finds at each of `urls` (WCAG 2 AA by HTML_CodeSniffer, and axe's serious and
    critical ones), by URL, each as {"runner", "code", "message", "selector", "context"}. One
    Chromium checks them all, each page in a browser context of its own (tests/pa11y_pages.js)."""
    SAVED_PAGES.mkdir(parents=True, exist_ok=True)
    config = SAVED_PAGES / "pa11y.json"
    config.write_text(json.dumps(PA11Y_CONFIG))
    result = subprocess.run(
        ["node", str(PA11Y_PAGES), str(NODE_DIR / "node_modules"), str(config), *urls],
        capture_output=True,
        text=True,
        check=False,
        timeout=300 + 60 * len(urls),
        env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"},
    )
    if result.returncode != 0:
        pytest.fail(f"pa11y could not check {urls}:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    found = json.loads(result.stdout)
    keys = ("runner", "code", "message", "selector", "context")
    return {
        url: [{key: issue.get(key) for key in keys} for issue in issues if issue["type"] == "error"]
        for url, issues in found.items()
    }


def vnu_errors(paths):
    """The errors the Nu Html Checker finds in the HTML files at `paths`, each as
    {"file", "line", "message", "extract"}. It checks files: it refuses to fetch from local hosts."""
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    try:
        messages = json.loads(result.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"The Nu Html Checker gave no report:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return [
        {
            "file": message.get("url", "").rsplit("/", 1)[-1],
            "line": message.get("lastLine"),
            "message": message["message"],
            "extract": message.get("extract"),
        }
        for message in messages
        if message["type"] in ("error", "non-document-error")
    ]


def save_page(name, html):
    """Keep a page's HTML as the server sent it in test-artifacts/html/, for the Nu Html Checker."""
    SAVED_PAGES.mkdir(parents=True, exist_ok=True)
    path = SAVED_PAGES / f"{name}.html"
    path.write_text(html)
    return path


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
