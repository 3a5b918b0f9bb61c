"""What a reader asked for on /search/, read from the query string without trusting any of it."""

import re
from dataclasses import dataclass, field

from django.http import QueryDict
from wagtail.search.query import And, Phrase, PlainText

# Longer queries are cut to this many characters (the header's search box stops at the same length).
MAX_QUERY_LENGTH = 200
# Labels a search can be narrowed by at once; more are ignored.
MAX_TAGS = 10
# A tag slug is at most this long (taggit's Tag.slug).
MAX_TAG_LENGTH = 100

# Control characters (NUL above all, which PostgreSQL refuses in text) never reach the database.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"'})


def clean_text(value):
    """`value` with control characters removed and runs of whitespace made single spaces."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", value).split())


def parse_year(value):
    value = clean_text(value)
    if not value:
        return None, None
    if value.isascii() and value.isdigit() and 1 <= int(value) <= 9999:
        return int(value), None
    return None, value


@dataclass
class SearchRequest:
    """The cleaned parameters of one search, and notes for the reader about what was changed."""

    query: str = ""
    tag_slugs: list = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    notes: list = field(default_factory=list)

    @classmethod
    def from_querydict(cls, params):
        search = cls()
        query = clean_text(params.get("q", ""))
        if len(query) > MAX_QUERY_LENGTH:
            query = query[:MAX_QUERY_LENGTH].rstrip()
            search.notes.append(
                f"Your search was longer than {MAX_QUERY_LENGTH} characters; only the first "
                f"{MAX_QUERY_LENGTH} were used."
            )
        search.query = query

        for value in params.getlist("tag"):
            # One past the longest real slug keeps an overlong value unknown without storing all of it.
            slug = clean_text(value).lower()[: MAX_TAG_LENGTH + 1]
            if slug and slug not in search.tag_slugs:
                search.tag_slugs.append(slug)
        if len(search.tag_slugs) > MAX_TAGS:
            search.tag_slugs = search.tag_slugs[:MAX_TAGS]
            search.notes.append(
                f"A search can be narrowed by at most {MAX_TAGS} labels; the rest were ignored."
            )

        for name, label in (("from", "From"), ("to", "To")):
            year, bad = parse_year(params.get(name, ""))
            if bad is not None:
                search.notes.append(f"{label} “{bad[:20]}” is not a year, so it was ignored.")
            setattr(search, f"year_{name}", year)
        if search.year_from and search.year_to and search.year_from > search.year_to:
            search.year_from, search.year_to = search.year_to, search.year_from
            search.notes.append("The years were the wrong way round, so they were swapped.")
        return search

    @property
    def is_empty(self):
        return not (self.query or self.tag_slugs or self.year_from or self.year_to)

    def search_query(self):
        """The query for Wagtail's backend: every word must match; text in double quotes is a phrase.

        None when the text holds nothing to search for (only quote marks).
        """
        clauses = []
        for position, part in enumerate(self.query.translate(QUOTES).split('"')):
            part = part.strip()
            if part:
                # Odd positions sit between a pair of quote marks.
                clauses.append(Phrase(part) if position % 2 else PlainText(part, operator="and"))
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else And(clauses)

    def params(self, tags=None):
        """The query string for these parameters (optionally with other tags), without a page number."""
        params = QueryDict(mutable=True)
        if self.query:
            params["q"] = self.query
        params.setlist("tag", self.tag_slugs if tags is None else tags)
        if self.year_from:
            params["from"] = str(self.year_from)
        if self.year_to:
            params["to"] = str(self.year_to)
        return params.urlencode()
