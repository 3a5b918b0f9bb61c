"""A published site whose rows a worker process can read, a real SMTP server and real workers."""

import pytest
from wagtail.models import Site

from home.models import HomePage

from ..conftest import ensure_wagtail_roots
from ..factories import make_blog_index
from ..task_helpers import DATABASE_TASKS, SmtpServer, free_port


@pytest.fixture
def stored_blog(transactional_db, settings):
    """The site's blog, committed, with the database task backend in this process too."""
    settings.TASKS = DATABASE_TASKS
    root = ensure_wagtail_roots()
    root.get_children().filter(slug="home").delete()
    home = root.add_child(instance=HomePage(title="Home", slug="home"))
    home.save_revision().publish()
    Site.objects.all().delete()
    Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True)
    return make_blog_index(home, title="Notebook")


class RefusingSmtpServer(SmtpServer):
    """An SMTP server that refuses some recipients for good (550) and takes the rest."""

    def __init__(self, port, refused=(), **kwargs):
        super().__init__(port, **kwargs)
        self.refused = set(refused)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp():
    """Start an SMTP server on a free port: smtp(refused=..., delay=...)."""
    servers = []

    def start(**kwargs):
        server = RefusingSmtpServer(free_port(), **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
