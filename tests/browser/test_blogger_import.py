"""An editor imports a Blogger export from the admin, in Chromium: upload, dry run, import, progress."""

import pytest
from playwright.sync_api import expect

from blog.models import BloggerImport, BlogPostPage, ImportStatus

from ..blogger_helpers import FIXTURES
from ..browser_support import screenshot
from ..task_helpers import DATABASE_TASKS, Worker, free_port, wait_until
from .test_editor import PASSWORD, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def worker(settings):
    """The task queue in the database, and a worker process running it."""
    settings.TASKS = DATABASE_TASKS
    process = Worker(free_port(), worker_id="browser-import-worker")
    wait_until(process.started, "the worker to start")
    yield process
    assert process.stop() == 0, "".join(process.log)


def test_an_editor_uploads_an_export_reads_the_dry_run_and_watches_the_import(
    page, live_server, live_blog, django_user_model, worker
):
    base = live_server.url
    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    log_in(page, base, "editor")

    page.get_by_role("link", name="Import a blog").click()
    page.get_by_label("Export file").set_input_files(str(FIXTURES / "classic.xml"))
    page.get_by_role("button", name="Upload and check").click()

    # The page reloads itself until the worker has run the dry run.
    expect(page.locator("#import-progress")).to_be_visible()
    expect(page.get_by_text("Ready to import")).to_be_visible(timeout=60_000)
    summary = page.locator("#import-summary")
    expect(summary).to_contain_text("Dry run: nothing was written")
    expect(summary.get_by_role("row", name="posts 3 new")).to_contain_text("3 new, 0 updated, 0 unchanged")
    expect(page.locator("#import-warnings")).to_contain_text("https://pictures.example.net/quay.png")
    assert not BlogPostPage.objects.exists()
    screenshot(page, "blogger-import-checked")

    page.get_by_role("button", name="Start the import").click()
    expect(page.locator("#import-status")).to_contain_text("Imported", timeout=60_000)
    expect(page.locator("#import-progress")).to_have_attribute("value", "100")
    expect(page.locator("#import-percent")).to_have_text("100%")
    expect(summary).to_contain_text("Imported (classic Atom export) into “Notebook”")
    screenshot(page, "blogger-import-done")
    assert BloggerImport.objects.get().status == ImportStatus.FINISHED

    page.get_by_role("link", name="See the blog").click()
    expect(page.get_by_role("link", name="The levy vote", exact=True)).to_be_visible()
