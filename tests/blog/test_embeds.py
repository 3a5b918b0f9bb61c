"""oEmbed look-ups run on the worker: a reader's request shows a link and queues the look-up; the
stored embed then replaces the link on the post's page, also a page already cached."""

import importlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed

from ..factories import make_post, paragraph
from ..task_helpers import DATABASE_TASKS, Worker, free_port, wait_until

VIDEO = "https://video.test/watch/harbour-at-dawn"
LOOK_UP = "blog.embeds.look_up"


class OEmbedProvider:
    """An oEmbed provider on loopback, counting the look-ups it answers."""

    def __init__(self):
        self.asked = []
        asked = self.asked

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                asked.append(parse_qs(urlsplit(self.path).query)["url"][0])
                body = json.dumps(
                    {
                        "type": "video",
                        "version": "1.0",
                        "title": "The harbour at dawn",
                        "html": '<iframe title="The harbour at dawn (video)" src="https://video.test/e/1"></iframe>',
                        "width": 640,
                        "height": 360,
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}/oembed"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    provider = OEmbedProvider()
    yield provider
    provider.stop()


@pytest.fixture
def shared_cache(tmp_path, settings):
    """The disk caches the worker process shares with this one, the database task queue, the page cache."""
    settings.TASKS = DATABASE_TASKS
    caches = importlib.import_module("settings.base").disk_caches(tmp_path)
    with override_settings(CACHES=caches, PAGE_CACHE_SECONDS=600):
        yield tmp_path


@pytest.mark.django_db(transaction=True)
def test_a_reader_sees_a_link_while_the_worker_looks_the_embed_up_then_the_embed(
    shared_cache, provider, client, blog_index
):
    body = [paragraph("<p>Watch it.</p>"), {"type": "embed", "value": {"url": VIDEO, "caption": "Dawn"}}]
    make_post(blog_index, "Harbour at dawn", slug="harbour-at-dawn", body=body)

    first = client.get("/blog/harbour-at-dawn/")
    assert first.status_code == 200
    html = first.content.decode()
    assert "This media could not be loaded here" in html and f'href="{VIDEO}"' in html
    assert provider.asked == []  # the request asked no provider
    assert DBTaskResult.objects.filter(task_path=LOOK_UP, status="READY").count() == 1
    assert client.get("/blog/harbour-at-dawn/")["X-Page-Cache"] == "hit"
    client.get("/blog/harbour-at-dawn/?page=2")  # answered, not cached: no second look-up either
    assert DBTaskResult.objects.filter(task_path=LOOK_UP).count() == 1

    env = {"TEST_OEMBED_ENDPOINT": provider.endpoint, "TEST_CACHES": "disk", "CACHE_DIR": str(shared_cache)}
    worker = Worker(0, **env)
    looked_up = DBTaskResult.objects.filter(task_path=LOOK_UP, status="SUCCESSFUL")
    try:
        wait_until(looked_up.exists, "the look-up")
    finally:
        assert worker.stop() == 0, "".join(worker.log)
    assert provider.asked == [VIDEO]
    assert Embed.objects.get(url=VIDEO).title == "The harbour at dawn"

    again = client.get("/blog/harbour-at-dawn/")
    assert again["X-Page-Cache"] == "miss"  # the worker's look-up forgot the cached page
    assert '<iframe title="The harbour at dawn (video)"' in again.content.decode()
    assert "This media could not be loaded here" not in again.content.decode()


@pytest.mark.django_db
def test_a_failed_look_up_is_not_tried_again_on_every_view(client, blog_index, settings):
    settings.TASKS = DATABASE_TASKS
    body = [{"type": "embed", "value": {"url": "https://media.invalid/watch?v=1", "caption": "Clip"}}]
    make_post(blog_index, "Lost clip", slug="lost-clip", body=body)
    for _ in range(3):
        assert "Open it at its source" in client.get("/blog/lost-clip/").content.decode()
    assert DBTaskResult.objects.filter(task_path=LOOK_UP).count() == 1


@pytest.mark.django_db
def test_an_embed_saved_again_unchanged_keeps_the_pages_that_show_it(shared_cache, client, blog_index):
    body = [{"type": "embed", "value": {"url": VIDEO, "caption": "Dawn"}}]
    make_post(blog_index, "Harbour at dawn", slug="harbour-at-dawn", body=body)
    embed = Embed.objects.create(
        url=VIDEO,
        hash=get_embed_hash(VIDEO),
        type="video",
        html='<iframe title="The harbour at dawn (video)" src="https://video.test/e/1"></iframe>',
    )
    assert client.get("/blog/harbour-at-dawn/")["X-Page-Cache"] == "miss"
    assert client.get("/blog/harbour-at-dawn/")["X-Page-Cache"] == "hit"

    embed.save()  # as Wagtail saves it a second time, for its look-up time
    assert client.get("/blog/harbour-at-dawn/")["X-Page-Cache"] == "hit"

    embed.html = '<iframe title="The harbour at noon (video)" src="https://video.test/e/2"></iframe>'
    embed.save()
    again = client.get("/blog/harbour-at-dawn/")
    assert again["X-Page-Cache"] == "miss"
    assert '<iframe title="The harbour at noon (video)"' in again.content.decode()
