"""What the Wagtail page editor sends when an editor saves a post, for tests that post the form
without a browser."""

from django.utils import timezone

# A body of one paragraph, as the rich text editor sends it.
PARAGRAPH = (
    '{"blocks":[{"key":"p1","type":"unstyled","depth":0,"text":"Body.","inlineStyleRanges":[],'
    '"entityRanges":[],"data":{}}],"entityMap":{}}'
)


def post_form(title, authors, shown=(), **fields):
    """The editor's form data publishing a post titled `title` by `authors` (author ids, in the
    order chosen), after the form showed `shown`: the post's (author id, link id) pairs in their
    order. As the editor's script does, a form stays where it was shown and its ORDER says where it
    moved to; authors taken off are marked DELETE, new ones follow. `fields` override the rest."""
    shown = [(str(author), str(link)) for author, link in shown]
    data = {
        "title": title,
        "slug": "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split()),
        "date": timezone.now().strftime("%Y-%m-%d %H:%M"),
        "tags": "",
        "intro": "",
        "body-count": "1",
        "body-0-type": "paragraph",
        "body-0-deleted": "",
        "body-0-order": "0",
        "body-0-id": "",
        "body-0-value": PARAGRAPH,
        "comments_open": "on",
        "action-publish": "action-publish",
        "post_authors-INITIAL_FORMS": str(len(shown)),
        "post_authors-MIN_NUM_FORMS": "0",
        "post_authors-MAX_NUM_FORMS": "1000",
    }
    authors = [str(author) for author in authors]
    forms = shown + [(author, "") for author in authors if author not in dict(shown)]
    for n, (author, link) in enumerate(forms):
        data[f"post_authors-{n}-author"] = author
        data[f"post_authors-{n}-id"] = link
        data[f"post_authors-{n}-ORDER"] = str(authors.index(author) + 1) if author in authors else ""
        data[f"post_authors-{n}-DELETE"] = "" if author in authors else "1"
    data["post_authors-TOTAL_FORMS"] = str(len(forms))
    return {**data, **fields}
