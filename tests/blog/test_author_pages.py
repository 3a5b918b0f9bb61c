"""Author pages: who wrote what, linked from every byline, in the sitemap and the structured data;
and how editors pick a post's authors."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from blog.models import Author, BlogPostPage

from ..editor_helpers import post_form
from ..factories import make_author, make_post

pytestmark = pytest.mark.django_db
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def titles(html):
    return re.findall(r'<h2 class="post-card__title"><a href="[^"]+">([^<]+)</a></h2>', html)


def test_author_page_shows_name_photo_bio_and_only_their_published_posts(client, blog_index):
    photo = Image.objects.create(title="Portrait", file=get_test_image_file(filename="ada.png"))
    ada = Author.objects.create(
        name="Ada Writer", bio="Covers the harbour board.\n\nWrites <b>late</b>.", photo=photo
    )
    ben = make_author("Ben Reporter")
    make_post(blog_index, "By Ada", slug="by-ada", date="2024-05-01 09:00", authors=[ada])
    make_post(blog_index, "By both", slug="by-both", date="2024-05-03 09:00", authors=[ben, ada])
    make_post(blog_index, "By Ben", slug="by-ben", date="2024-05-02 09:00", authors=[ben])
    make_post(blog_index, "Ada's draft", slug="adas-draft", authors=[ada], publish=False)

    response = client.get("/blog/author/ada-writer/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Ada Writer</h1>" in html
    assert "<p>Covers the harbour board.</p>" in html and "Writes &lt;b&gt;late&lt;/b&gt;." in html
    rendition = photo.get_rendition("fill-160x160")
    assert f'src="{rendition.url}"' in html and 'class="author__photo"' in html
    assert titles(html) == ["By both", "By Ada"]
    assert "2 posts" in html
    assert 'href="http://testserver/blog/author/ada-writer/feed/"' in html
    assert 'href="http://testserver/blog/author/ada-writer/feed/atom/"' in html
    assert '<link rel="canonical" href="http://testserver/blog/author/ada-writer/">' in html

    ben_page = client.get("/blog/author/ben-reporter/").content.decode()
    assert titles(ben_page) == ["By both", "By Ben"]
    assert "author__photo" not in ben_page


def test_author_page_shows_a_new_photo_and_a_deleted_one_at_once(client, blog_index):
    first = Image.objects.create(title="Portrait", file=get_test_image_file(filename="ada.png"))
    second = Image.objects.create(title="New portrait", file=get_test_image_file(filename="ada-2.png"))
    ada = Author.objects.create(name="Ada Writer", photo=first)
    make_post(blog_index, "By Ada", slug="by-ada", authors=[ada])
    assert first.get_rendition("fill-160x160").url in client.get("/blog/author/ada-writer/").content.decode()

    ada.photo = second
    ada.save()
    html = client.get("/blog/author/ada-writer/").content.decode()
    assert second.get_rendition("fill-160x160").url in html

    second.delete()
    assert "author__photo" not in client.get("/blog/author/ada-writer/").content.decode()
    assert client.get("/blog/author/nobody/").status_code == 404
    Author.objects.create(name="Nobody")
    assert client.get("/blog/author/nobody/").status_code == 200


def test_unknown_author_is_404(client, blog_index):
    make_post(blog_index, "By Ada", slug="by-ada")
    for url in ("/blog/author/nobody/", "/blog/author/nobody/feed/", "/blog/author/nobody/?page=2"):
        assert client.get(url).status_code == 404, url


def test_author_page_paginates_like_the_index(client, blog_index):
    ada, ben = make_author("Ada Writer"), make_author("Ben Reporter")
    for n in range(12):
        make_post(blog_index, f"Numbered post {n:02d}", date=f"2020-01-{n + 1:02d} 09:00", authors=[ada])
    make_post(blog_index, "Not hers", date="2020-01-05 10:00", authors=[ben])
    first = client.get("/blog/author/ada-writer/").content.decode()
    second = client.get("/blog/author/ada-writer/?page=2").content.decode()
    assert titles(first) == [f"Numbered post {n:02d}" for n in range(11, 1, -1)]
    assert titles(second) == ["Numbered post 01", "Numbered post 00"]
    assert "Page 2 of 2" in second and 'href="?page=1"' in second
    assert '<link rel="canonical" href="http://testserver/blog/author/ada-writer/?page=2">' in second
    assert client.get("/blog/author/ada-writer/?page=3").status_code == 404
    assert titles(client.get("/blog/author/ada-writer/?page=x").content.decode()) == titles(first)


def test_bylines_link_to_the_author_pages_everywhere(client, blog_index):
    ada, ben = make_author("Ada Writer"), make_author("Ben Reporter")
    make_post(blog_index, "Levy vote", slug="levy-vote", tags=["Budget"], authors=[ben, ada])
    byline = (
        '<a class="post-author" rel="author" href="/blog/author/ben-reporter/">Ben Reporter</a>, '
        '<a class="post-author" rel="author" href="/blog/author/ada-writer/">Ada Writer</a>'
    )
    for url in ("/", "/blog/", "/blog/levy-vote/", "/blog/tag/budget/", "/blog/2024/", "/search/?q=levy"):
        assert byline in client.get(url).content.decode(), url
    assert client.get("/blog/author/ben-reporter/").status_code == 200


def test_post_json_ld_names_each_author_as_a_person_with_their_page(client, blog_index):
    ada, ben = make_author("Ada Writer"), make_author("Ben Reporter")
    make_post(blog_index, "Levy vote", slug="levy-vote", authors=[ben, ada])
    html = client.get("/blog/levy-vote/").content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["author"] == [
        {"@type": "Person", "name": "Ben Reporter", "url": "http://testserver/blog/author/ben-reporter/"},
        {"@type": "Person", "name": "Ada Writer", "url": "http://testserver/blog/author/ada-writer/"},
    ]


def test_sitemap_lists_the_pages_of_authors_with_published_posts(client, blog_index):
    ada, ben = make_author("Ada Writer"), make_author("Ben Reporter")
    make_author("Cora Idle")
    make_post(blog_index, "By Ada", slug="by-ada", authors=[ada])
    make_post(blog_index, "Ben's draft", slug="bens-draft", authors=[ben], publish=False)
    index = ET.fromstring(client.get("/sitemap.xml").content)
    locations = [e.findtext(f"{SITEMAP}loc") for e in index.findall(f"{SITEMAP}sitemap")]
    assert locations == ["http://testserver/sitemap-pages.xml", "http://testserver/sitemap-authors.xml"]
    root = ET.fromstring(client.get("/sitemap-authors.xml").content)
    urls = [
        (e.findtext(f"{SITEMAP}loc"), e.findtext(f"{SITEMAP}lastmod")) for e in root.findall(f"{SITEMAP}url")
    ]
    post = BlogPostPage.objects.get(slug="by-ada")
    assert urls == [
        ("http://testserver/blog/author/ada-writer/", post.last_published_at.isoformat(timespec="seconds"))
    ]


def test_authors_get_a_unique_slug_from_their_name_unless_given_one(client, blog_index):
    first = Author.objects.create(name="Zoë O'Hara")
    second = Author.objects.create(name="Zoe O Hara")
    chosen = Author.objects.create(name="Ines Carvalho", slug="ines")
    assert (first.slug, second.slug, chosen.slug) == ("zoe-ohara", "zoe-o-hara", "ines")
    clash = Author.objects.create(name="Zoe-OHara")
    assert clash.slug == "zoe-ohara-2"
    make_post(blog_index, "By Ines", slug="by-ines", authors=[chosen])
    assert "By Ines" in client.get("/blog/author/ines/").content.decode()


@override_settings(PAGE_CACHE_SECONDS=600)
def test_author_pages_and_feeds_show_renames_bios_and_new_posts_at_once(client, blog_index):
    ada = make_author("Ada Writer")
    other = make_post(
        blog_index, "By someone else", slug="someone-else", authors=[make_author("Ben Reporter")]
    )
    make_post(blog_index, "By Ada", slug="by-ada", authors=[ada])
    urls = ["/blog/author/ada-writer/", "/blog/author/ada-writer/feed/", "/blog/author/ada-writer/feed/atom/"]
    for url in [*urls, other.url]:
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit", url

    ada.bio = "Covers the harbour board."
    ada.save()
    page = client.get(urls[0])
    assert page["X-Page-Cache"] == "miss" and "Covers the harbour board." in page.content.decode()
    assert client.get(other.url)["X-Page-Cache"] == "hit"  # it does not show her

    make_post(blog_index, "Ada again", slug="ada-again", authors=[ada])
    for url in urls:
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss" and "Ada again" in response.content.decode(), url

    ada.name = "Ada Writer-Moss"
    ada.save()
    for url in urls:
        assert "Ada Writer-Moss" in client.get(url).content.decode(), url
    assert "Ada Writer-Moss" in client.get("/blog/by-ada/").content.decode()

    ada.slug = "ada"
    ada.save()
    assert 'href="/blog/author/ada/"' in client.get("/blog/").content.decode()
    assert client.get("/blog/author/ada/").status_code == 200
    assert client.get("/blog/author/ada-writer/").status_code == 404


def test_deleting_an_author_takes_them_off_their_posts(client, blog_index):
    ada, ben = make_author("Ada Writer"), make_author("Ben Reporter")
    make_post(blog_index, "Levy vote", slug="levy-vote", authors=[ada, ben])
    assert "Ada Writer" in client.get("/blog/levy-vote/").content.decode()
    ada.delete()
    html = client.get("/blog/levy-vote/").content.decode()
    assert "Ada Writer" not in html and "Ben Reporter" in html
    assert client.get("/blog/author/ada-writer/").status_code == 404


# The editor: authors are picked with Wagtail's MultipleChooserPanel and kept in the order chosen.


@pytest.fixture
def editor(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("editor", "editor@example.org", "pw"))
    return client


def test_the_post_editor_picks_authors_with_a_multiple_chooser(editor, blog_index):
    make_author("Ada Writer")
    html = editor.get(f"/admin/pages/add/blog/blogpostpage/{blog_index.pk}/").content.decode()
    assert 'id="id_post_authors-OPEN_MODAL"' in html and "Add author" in html
    assert 'id="id_post_authors-CHOOSER_WIDGET"' in html
    assert "new MultipleChooserPanel(" in html
    assert '"modalUrl": "/admin/snippets/choose/blog/author/"' in html
    assert 'name="authors"' not in html
    chooser = editor.get("/admin/snippets/choose/blog/author/?multiple=1")
    assert chooser.status_code == 200 and "Ada Writer" in chooser.content.decode()


def test_saving_a_post_in_the_editor_keeps_its_authors_in_the_chosen_order(editor, client, blog_index):
    ada, ben, cora = make_author("Ada Writer"), make_author("Ben Reporter"), make_author("Cora Lind")
    add_url = f"/admin/pages/add/blog/blogpostpage/{blog_index.pk}/"
    response = editor.post(add_url, post_form("Levy vote", [ben.pk, ada.pk]))
    assert response.status_code == 302, re.findall(
        r"error-message[^<]*<[^>]*>([^<]*)", response.content.decode()
    )
    post = BlogPostPage.objects.get(slug="levy-vote")
    assert post.live and [a.name for a in post.authors] == ["Ben Reporter", "Ada Writer"]
    assert '"name": "Ben Reporter"' in client.get("/blog/levy-vote/").content.decode()

    # Shown again, the form lists them in that order; moving Ada first and adding Cora keeps that.
    edit_url = f"/admin/pages/{post.pk}/edit/"
    html = editor.get(edit_url).content.decode()
    ids = re.findall(r'name="post_authors-\d+-id" value="(\d+)"', html)
    chosen = re.findall(r'name="post_authors-\d+-author" value="(\d+)"', html)
    assert chosen == [str(ben.pk), str(ada.pk)]
    data = post_form("Levy vote", [ada.pk, ben.pk, cora.pk], shown=zip(chosen, ids, strict=True))
    assert editor.post(edit_url, data).status_code == 302
    post = BlogPostPage.objects.get(pk=post.pk)
    assert [a.name for a in post.authors] == ["Ada Writer", "Ben Reporter", "Cora Lind"]
    byline = client.get("/blog/levy-vote/").content.decode()
    assert (
        byline.index(">Ada Writer</a>") < byline.index(">Ben Reporter</a>") < byline.index(">Cora Lind</a>")
    )

    # Taking Ben off leaves Ada and Cora, in their order.
    html = editor.get(edit_url).content.decode()
    ids = re.findall(r'name="post_authors-\d+-id" value="(\d+)"', html)
    shown = list(zip([ada.pk, ben.pk, cora.pk], ids, strict=True))
    assert editor.post(edit_url, post_form("Levy vote", [ada.pk, cora.pk], shown=shown)).status_code == 302
    assert [a.name for a in BlogPostPage.objects.get(pk=post.pk).authors] == ["Ada Writer", "Cora Lind"]


def test_the_editor_refuses_a_post_without_authors_or_with_one_twice(editor, blog_index):
    ada = make_author("Ada Writer")
    add_url = f"/admin/pages/add/blog/blogpostpage/{blog_index.pk}/"
    response = editor.post(add_url, post_form("Levy vote", []))
    assert response.status_code == 200  # the form again, with the reason
    assert "Choose at least one author for the post" in response.content.decode()
    response = editor.post(add_url, post_form("Levy vote", [ada.pk, ada.pk]))
    assert response.status_code == 200
    assert "Please correct the duplicate data for post and author" in response.content.decode()
    assert not BlogPostPage.objects.filter(slug="levy-vote").exists()


# The migration that made the links keeps each post's authors, in the order bylines showed them.


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_each_posts_authors_in_byline_order_in_posts_and_revisions():
    executor = MigrationExecutor(connection)
    (ours,) = [
        key
        for key in executor.loader.disk_migrations
        if key[0] == "blog" and key[1].endswith("_author_pages")
    ]
    (before,) = [dep for dep in executor.loader.graph.node_map[ours].parents if dep.key[0] == "blog"]
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([before.key])
    try:
        old = executor.loader.project_state([before.key]).apps
        post_id, revision_id, names = old_post_with_authors(old)
        executor = MigrationExecutor(connection)
        executor.migrate([ours])
        new = executor.loader.project_state([ours]).apps
        links = new.get_model("blog", "BlogPostAuthor").objects.filter(post_id=post_id).order_by("sort_order")
        assert [link.author.name for link in links] == sorted(names)
        assert [link.sort_order for link in links] == [0, 1, 2]
        assert sorted(new.get_model("blog", "Author").objects.values_list("slug", flat=True)) == [
            "ada-writer",
            "ben-reporter",
            "ben-reporter-2",
            "cora-lind",
        ]
        content = new.get_model("wagtailcore", "Revision").objects.get(pk=revision_id).content
        assert "authors" not in content
        by_id = dict(new.get_model("blog", "Author").objects.values_list("pk", "name"))
        assert [by_id[link["author"]] for link in content["post_authors"]] == sorted(names)
        assert [(link["post"], link["sort_order"]) for link in content["post_authors"]] == [
            (post_id, 0),
            (post_id, 1),
            (post_id, 2),
        ]
    finally:
        MigrationExecutor(connection).migrate(latest)
    # The revision, as Wagtail reads it now, is a post with those authors.
    from wagtail.models import Revision

    post = Revision.objects.get(pk=revision_id).as_object()
    assert [author.name for author in post.authors] == sorted(names)


def old_post_with_authors(apps):
    """A post with three authors (added out of name order) and a revision, as the models before the
    migration stored them; and (post id, revision id, author names)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    Author = apps.get_model("blog", "Author")
    OldPost = apps.get_model("blog", "BlogPostPage")
    Revision = apps.get_model("wagtailcore", "Revision")
    locale = Locale.objects.get_or_create(language_code="en")[0]
    page_type = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")[0]
    post_type = ContentType.objects.get_or_create(app_label="blog", model="blogpostpage")[0]
    root = Page.objects.filter(depth=1).first() or Page.objects.create(
        title="Root", slug="root", path="0001", depth=1, numchild=1, content_type=page_type, locale=locale
    )
    names = ["Cora Lind", "Ada Writer", "Ben Reporter"]
    authors = [Author.objects.create(name=name) for name in names]
    Author.objects.create(name="Ben-Reporter")  # the same slug: it gets another
    post = OldPost.objects.create(
        title="Levy vote",
        draft_title="Levy vote",
        slug="levy-vote-migrated",
        path=root.path + "9999",
        depth=root.depth + 1,
        numchild=0,
        url_path="/levy-vote-migrated/",
        content_type=post_type,
        locale=locale,
        date=timezone.now(),
        body="[]",
    )
    Through = OldPost.authors.through
    Through.objects.bulk_create([Through(blogpostpage_id=post.pk, author_id=author.pk) for author in authors])
    revision = Revision.objects.create(
        content_type=post_type,
        base_content_type=page_type,
        object_id=str(post.pk),
        object_str="Levy vote",
        created_at=timezone.now(),
        content={
            "pk": post.pk,
            "title": "Levy vote (draft)",
            "slug": "levy-vote-migrated",
            "path": post.path,
            "depth": post.depth,
            "numchild": 0,
            "url_path": post.url_path,
            "content_type": post_type.pk,
            "locale": locale.pk,
            "date": timezone.now().isoformat(),
            "intro": "",
            "body": "[]",
            "authors": [author.pk for author in authors],
            "tagged_items": [],
            "comments": [],
        },
    )
    return post.pk, revision.pk, names
