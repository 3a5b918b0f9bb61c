"""Documents in private collections reach nobody by any URL; public ones and images still do."""

import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import clear_url_caches
from wagtail.documents import get_document_model
from wagtail.models import BaseViewRestriction, Collection, CollectionViewRestriction

pytestmark = pytest.mark.django_db

SECRET = b"Board minutes: the harbour levy doubles in May."
PUBLIC = b"Timetable: ferries every hour."


def reload_urls():
    import broadsheet.urls

    importlib.reload(broadsheet.urls)
    clear_url_caches()


@pytest.fixture(params=["serve-media", "debug"])
def media_served(request):
    """The URLconf as production with SERVE_MEDIA builds it, or as development (DEBUG) does."""
    overrides = {"SERVE_MEDIA": True, "DEBUG": False}
    if request.param == "debug":
        overrides = {"SERVE_MEDIA": False, "DEBUG": True}
    with override_settings(**overrides):
        reload_urls()
        yield request.param
    reload_urls()


@pytest.fixture
def editor_client(db):
    editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client = Client()
    client.force_login(editor)
    yield client
    for document in get_document_model().objects.all():
        document.file.delete(save=False)


def private_collection(name, kind, **fields):
    collection = Collection.get_first_root_node().add_child(name=name)
    CollectionViewRestriction.objects.create(collection=collection, restriction_type=kind, **fields)
    return collection


def upload(editor_client, title, filename, content, collection):
    """A document uploaded through the admin's form, as an editor does."""
    response = editor_client.post(
        "/admin/documents/add/",
        {"title": title, "file": SimpleUploadedFile(filename, content), "collection": collection.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return get_document_model().objects.get(title=title)


def raw_media_urls(document):
    name = document.file.name  # documents/minutes.txt
    return [
        f"{settings.MEDIA_URL}{name}",
        f"{settings.MEDIA_URL}images/../{name}",
        f"{settings.MEDIA_URL}original_images/%2e%2e/{name}",
        f"{settings.MEDIA_URL}/{name}",
    ]


@pytest.mark.parametrize("restriction", ["password", "login"])
def test_private_document_is_not_downloadable_anonymously_by_any_url(
    media_served, editor_client, restriction
):
    if restriction == "password":
        collection = private_collection("Board", BaseViewRestriction.PASSWORD, password="tide")
    else:
        collection = private_collection("Staff", BaseViewRestriction.LOGIN)
    document = upload(editor_client, "Board minutes", "minutes.txt", SECRET, collection)
    assert Path(document.file.path).read_bytes() == SECRET  # stored under MEDIA_ROOT/documents/
    assert document.url == f"/documents/{document.pk}/{document.filename}"

    anonymous = Client()
    response = anonymous.get(document.url)
    assert response.status_code in (200, 302) and not response.streaming
    assert SECRET not in response.content and "Content-Disposition" not in response
    if restriction == "password":
        assert 'name="password"' in response.content.decode()  # Wagtail's password form
    else:
        assert response["Location"].startswith("/_util/login/?next=")  # Wagtail asks to log in
    for url in raw_media_urls(document):
        response = anonymous.get(url)
        assert response.status_code == 404, url
        assert SECRET not in b"".join(response) if response.streaming else SECRET not in response.content


def test_password_opens_a_private_document_through_wagtail_only(editor_client):
    collection = private_collection("Board", BaseViewRestriction.PASSWORD, password="tide")
    document = upload(editor_client, "Board minutes", "minutes.txt", SECRET, collection)
    restriction = CollectionViewRestriction.objects.get(collection=collection)
    reader = Client()
    refused = reader.post(
        f"/documents/authenticate_with_password/{restriction.pk}/", {"password": "ebb", "return_url": "/"}
    )
    assert refused.status_code == 200 and SECRET not in refused.content
    reader.post(
        f"/documents/authenticate_with_password/{restriction.pk}/",
        {"password": "tide", "return_url": document.url},
    )
    response = reader.get(document.url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == SECRET
    assert reader.get(raw_media_urls(document)[0]).status_code == 404


def test_public_document_downloads_and_images_are_still_served_as_media(media_served, editor_client):
    document = upload(editor_client, "Timetable", "timetable.txt", PUBLIC, Collection.get_first_root_node())
    response = Client().get(document.url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PUBLIC
    assert "attachment" in response["Content-Disposition"]
    assert Client().get(f"{settings.MEDIA_URL}{document.file.name}").status_code == 404

    image = Path(settings.MEDIA_ROOT) / "original_images" / "harbour-probe.png"
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(b"\x89PNG probe")
    try:
        response = Client().get(f"{settings.MEDIA_URL}original_images/harbour-probe.png")
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"\x89PNG probe"
    finally:
        image.unlink()
