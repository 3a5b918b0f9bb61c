"""Reading and submitting the comment form the way a browser does, and moderating in the admin."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_form = False
        self.action = None
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "comment-form":
            self.in_form = True
            self.action = attrs["action"]
        elif self.in_form and tag == "input" and attrs.get("name") and attrs.get("type") != "checkbox":
            self.fields[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


class _ThreadReader(HTMLParser):
    """Maps each comment id to the ids of the comments it is nested in."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.ancestors = {}

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            comment_id = dict(attrs).get("id")
            if comment_id:
                self.ancestors[comment_id] = [c for c in self.stack if c]
            self.stack.append(comment_id)

    def handle_endtag(self, tag):
        if tag == "li":
            self.stack.pop()


def read_form(html):
    reader = _FormReader()
    reader.feed(html)
    assert reader.action, "the page has no comment form"
    return reader.action, reader.fields


def thread_of(html):
    reader = _ThreadReader()
    reader.feed(html)
    return reader.ancestors


def submit_comment(client, page_url, text, name="Rosa Quill", email="rosa@example.org", **extra):
    """Load `page_url` (a post or a reply page), fill in its comment form and post it."""
    remote_addr = extra.pop("REMOTE_ADDR", "127.0.0.1")
    action, fields = read_form(client.get(page_url).content.decode())
    fields.update(name=name, email=email, comment=text, url="")
    fields.update(extra)
    return client.post(action, fields, REMOTE_ADDR=remote_addr)


def bulk(client, action, comments):
    """Run the admin's bulk `action` ("approve", "remove", "spam") on `comments` as `client`'s user."""
    url = f"/admin/bulk/django_comments_xtd/xtdcomment/{action}/?" + "&".join(f"id={c.pk}" for c in comments)
    assert client.get(url).status_code == 200  # the confirmation page
    return client.post(url)


def post_open_to_comments(blog_index, **site):
    """A post ("Harbour levy") on a site whose comments appear at once (no first-comment hold),
    with django.contrib.sites' site named for the test server (`site`: its other fields)."""
    from django.contrib.sites.models import Site as DjangoSite

    from blog.models import CommentSettings

    from .factories import make_post

    DjangoSite.objects.filter(pk=1).update(domain="testserver", **site)
    rules = CommentSettings.for_site(blog_index.get_site())
    rules.hold_first_comments = False
    rules.save()
    return make_post(blog_index, "Harbour levy", date="2024-05-01 09:00")


def query_plan(queryset, priced_out=("seqscan",)):
    """PostgreSQL's plan for `queryset`, with the plans in `priced_out` (enable_<name> settings)
    priced out: on a test's few rows any plan is cheap, and without the plans a big table makes
    expensive the plan shows which indexes a query can use."""
    from django.db import connection, transaction

    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        for name in priced_out:
            cursor.execute(f"SET LOCAL enable_{name} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
