"""The read API at /api/v2/: public, live content only, whoever asks, in a few queries, never kept
by the page cache and refused past a reader's rate."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from ..factories import add_posts, make_author, make_blog_index, make_post, paragraph

pytestmark = pytest.mark.django_db

POST_FIELDS = "date,intro,body,labels,authors,reading_minutes"
POSTS = f"/api/v2/pages/?type=blog.BlogPostPage&fields={POST_FIELDS}"


@pytest.fixture
def documents():
    made = []
    yield made
    for document in made:
        document.file.delete(save=False)


def titles(response):
    assert response.status_code == 200, response.content
    return sorted(item["title"] for item in response.json()["items"])


def make_document(documents, title, collection=None):
    document = get_document_model().objects.create(
        title=title,
        file=ContentFile(b"Ferries every hour.", name=f"{title.lower().replace(' ', '-')}.txt"),
        collection=collection or Collection.get_first_root_node(),
    )
    documents.append(document)
    return document


def private_collection(name, parent=None, **restriction):
    collection = (parent or Collection.get_first_root_node()).add_child(name=name)
    if restriction:
        CollectionViewRestriction.objects.create(collection=collection, **restriction)
    return collection


def test_the_api_lists_live_posts_with_their_fields(client, blog_index):
    earlier = make_post(blog_index, "Earlier", slug="earlier", date="2024-04-01 09:00")
    make_post(
        blog_index,
        "Levy vote",
        slug="levy-vote",
        date="2024-05-01 09:00",
        intro="Seven to four.",
        tags=["Budget", "Harbour"],
        authors=[make_author("Maren Okafor"), make_author("Tomas Lindqvist")],
        body=[paragraph(f'<p>As <a linktype="page" id="{earlier.pk}">before</a>, {"word " * 500}</p>')],
    )
    make_post(blog_index, "Draft", slug="draft", publish=False)
    response = client.get(POSTS)
    assert titles(response) == ["Earlier", "Levy vote"]
    assert response.json()["meta"]["total_count"] == 2
    (levy,) = [item for item in response.json()["items"] if item["title"] == "Levy vote"]
    assert levy["date"].startswith("2024-05-01T09:00:00")
    assert levy["intro"] == "Seven to four."
    assert levy["labels"] == [{"name": "Budget", "slug": "budget"}, {"name": "Harbour", "slug": "harbour"}]
    assert levy["authors"] == [
        {"name": "Maren Okafor", "slug": "maren-okafor"},
        {"name": "Tomas Lindqvist", "slug": "tomas-lindqvist"},
    ]
    assert levy["reading_minutes"] == 3
    assert levy["meta"]["html_url"] == "http://testserver/blog/levy-vote/"
    (block,) = levy["body"]
    # Rich text comes as the site shows it: internal links are real addresses.
    assert block["type"] == "paragraph" and '<a href="/blog/earlier/">before</a>' in block["value"]


def test_a_posts_detail_has_every_field_and_a_drafts_is_not_found(client, blog_index):
    post = make_post(blog_index, "Levy vote", slug="levy-vote", tags=["Budget"], intro="Seven to four.")
    draft = make_post(blog_index, "Draft", slug="draft", publish=False)
    detail = client.get(f"/api/v2/pages/{post.pk}/").json()
    assert detail["title"] == "Levy vote" and detail["meta"]["type"] == "blog.BlogPostPage"
    assert detail["labels"] == [{"name": "Budget", "slug": "budget"}]
    assert (
        detail["authors"] == [{"name": "Ada Writer", "slug": "ada-writer"}] and detail["reading_minutes"] == 1
    )
    assert detail["body"][0]["value"] == "<p>Body of Levy vote.</p>"
    assert "Draft" not in titles(client.get("/api/v2/pages/"))
    response = client.get(f"/api/v2/pages/{draft.pk}/")
    assert response.status_code == 404 and response.json() == {"message": "No Page matches the given query."}
    assert client.get(f"/api/v2/pages/?type=blog.BlogPostPage&id={draft.pk}").json()["items"] == []


def test_pages_behind_a_view_restriction_and_their_children_are_hidden_from_everyone(
    client, home_page, blog_index, admin_client
):
    make_post(blog_index, "Open letter", slug="open-letter")
    sealed = make_post(blog_index, "Sealed letter", slug="sealed-letter")
    PageViewRestriction.objects.create(
        page=sealed, restriction_type=PageViewRestriction.PASSWORD, password="tide"
    )
    members = make_blog_index(home_page, title="Members", slug="members")
    minutes = make_post(members, "Board minutes", slug="board-minutes")
    PageViewRestriction.objects.create(page=members, restriction_type=PageViewRestriction.LOGIN)

    # A reader who gave the password on the site, and a logged-in editor, see no more than anyone.
    unlocked = Client()
    form = unlocked.get("/blog/sealed-letter/")
    action = form.content.decode().split('action="', 1)[1].split('"', 1)[0]
    unlocked.post(action, {"password": "tide", "return_url": "/blog/sealed-letter/"})
    assert unlocked.get("/blog/sealed-letter/").status_code == 200
    assert admin_client.get("/members/board-minutes/").status_code == 200
    for reader in (client, unlocked, admin_client):
        assert titles(reader.get("/api/v2/pages/")) == ["Blog", "Home", "Open letter"]
        assert titles(reader.get(POSTS)) == ["Open letter"]
        for page in (sealed, members, minutes):
            assert reader.get(f"/api/v2/pages/{page.pk}/").status_code == 404
        assert reader.get(f"/api/v2/pages/?child_of={members.pk}").status_code == 400
        assert reader.get("/api/v2/pages/find/?html_path=/members/board-minutes/").status_code == 404


def test_documents_in_a_private_collection_are_hidden_from_everyone(
    client, admin_client, home_page, documents
):
    timetable = make_document(documents, "Ferry timetable")
    board = private_collection("Board", restriction_type=CollectionViewRestriction.LOGIN)
    minutes = make_document(documents, "Board minutes", board)
    drafts = make_document(documents, "Draft minutes", private_collection("Drafts", parent=board))
    sealed = private_collection(
        "Sealed", restriction_type=CollectionViewRestriction.PASSWORD, password="tide"
    )
    letter = make_document(documents, "Sealed letter", sealed)
    # A reader who gave the password on the site, and a logged-in editor, see no more than anyone.
    unlocked = Client()
    restriction = CollectionViewRestriction.objects.get(collection=sealed)
    unlocked.post(
        f"/documents/authenticate_with_password/{restriction.pk}/",
        {"password": "tide", "return_url": letter.url},
    )
    assert unlocked.get(letter.url).status_code == 200
    for reader in (client, unlocked, admin_client):
        listing = reader.get("/api/v2/documents/")
        assert titles(listing) == ["Ferry timetable"]
        (item,) = listing.json()["items"]
        assert (
            item["meta"]["download_url"] == f"http://testserver/documents/{timetable.pk}/ferry-timetable.txt"
        )
        for document in (minutes, drafts, letter):
            assert reader.get(f"/api/v2/documents/{document.pk}/").status_code == 404
    assert client.get(item["meta"]["download_url"]).status_code == 200


def test_images_come_as_renditions_and_metadata_not_as_the_original_file(client, db):
    image = Image.objects.create(title="Quay at dawn", file=get_test_image_file(size=(1200, 900)))
    hidden = Image.objects.create(
        title="Board photo",
        file=get_test_image_file(),
        collection=private_collection("Board", restriction_type=CollectionViewRestriction.LOGIN),
    )
    listing = client.get("/api/v2/images/")
    assert titles(listing) == ["Quay at dawn"]
    (item,) = listing.json()["items"]
    assert "download_url" not in item["meta"]
    assert item["thumbnail"]["width"] == 400 and ".fill-400x300" in item["thumbnail"]["url"]
    detail = client.get(f"/api/v2/images/{image.pk}/").json()
    assert (detail["width"], detail["height"]) == (1200, 900)
    assert detail["large"]["width"] == 1200 and ".max-1600x1600" in detail["large"]["url"]
    assert "original_images" not in str(detail)
    assert client.get(f"/api/v2/images/{hidden.pk}/").status_code == 404
    assert client.get(detail["thumbnail"]["url"]).status_code == 200


def test_the_api_is_read_only_and_answers_bad_requests_with_a_message(client, blog_index):
    post = make_post(blog_index, "Levy vote", slug="levy-vote")
    assert client.post("/api/v2/pages/", {"title": "New"}).status_code == 405
    assert client.delete(f"/api/v2/pages/{post.pk}/").status_code == 405
    assert client.put(f"/api/v2/pages/{post.pk}/", {}).status_code == 405
    refused = {
        "/api/v2/pages/?limit=21": "limit cannot be higher than 20",
        "/api/v2/pages/?search=levy": "search is disabled",
        "/api/v2/documents/?search=minutes": "search is disabled",
        "/api/v2/pages/?type=blog.NoSuchPage": "type doesn't exist",
        "/api/v2/pages/?fields=secret": "unknown fields: secret",
        "/api/v2/pages/?offset=-1": "offset must be a positive integer",
        "/api/v2/pages/?child_of=x": "child_of must be a positive integer",
        "/api/v2/pages/?rich_text_format=pdf": "rich_text_format",
    }
    for url, message in refused.items():
        response = client.get(url)
        assert response.status_code == 400, url
        assert message in response.json()["message"], (url, response.json())
    assert client.get("/api/v2/pages/?limit=20").status_code == 200


def test_api_responses_are_never_kept_by_the_page_cache(client, blog_index, settings, documents):
    settings.PAGE_CACHE_SECONDS = 600
    draft = make_post(blog_index, "Coming soon", slug="coming-soon", publish=False)
    timetable = make_document(documents, "Ferry timetable")
    for url in ("/api/v2/pages/", f"/api/v2/pages/{blog_index.pk}/", "/api/v2/documents/"):
        assert "X-Page-Cache" not in client.get(url)
    assert "Coming soon" not in titles(client.get("/api/v2/pages/"))
    assert titles(client.get("/api/v2/documents/")) == ["Ferry timetable"]

    draft.get_latest_revision().publish()
    timetable.collection = private_collection("Board", restriction_type=CollectionViewRestriction.LOGIN)
    timetable.save()
    assert "Coming soon" in titles(client.get("/api/v2/pages/"))
    assert titles(client.get("/api/v2/documents/")) == []


def test_each_reader_address_is_refused_past_its_rate(client, blog_index, settings):
    settings.API_RATE_LIMIT = "3/minute"
    for _ in range(3):
        assert client.get("/api/v2/pages/").status_code == 200
    response = client.get("/api/v2/pages/")
    assert response.status_code == 429 and "Retry-After" in response
    # Another reader is not held back; one who is cannot get round it with a made-up X-Forwarded-For.
    for _ in range(3):
        assert client.get("/api/v2/pages/", REMOTE_ADDR="192.0.2.7").status_code == 200
    forged = client.get("/api/v2/pages/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert forged.status_code == 429
    assert client.get("/blog/", REMOTE_ADDR="192.0.2.7").status_code == 200  # the site itself is not limited


def test_listing_posts_with_their_fields_costs_the_same_queries_for_few_or_many(
    client, blog_index, django_assert_max_num_queries
):
    add_posts(blog_index, 0, 3)
    # The site, the view restrictions (as Wagtail reads them, then as public() does), the count, the rows.
    with django_assert_max_num_queries(5) as few:
        assert len(titles(client.get(POSTS))) == 3
    add_posts(blog_index, 3, 15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(titles(client.get(POSTS))) == 18
