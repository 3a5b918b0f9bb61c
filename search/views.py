"""The search page: full-text search over published posts, narrowed by label and year."""

import re

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchVectorField
from django.db import connection
from django.db.models import Count, F
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Right
from django.template.response import TemplateResponse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from taggit.models import Tag

from blog.cards import card, kept_cards, listing_cards
from blog.models import BlogIndexPage, BlogPostPage
from broadsheet import caching
from broadsheet.pagination import paginate

from .query import SearchRequest

# How many labels of the matching posts are offered for narrowing.
FACET_LIMIT = 30
# Ranking reads the whole text of every post it ranks. When a word is in most posts, ranking
# them all would read the whole blog on every search: past this many matches, the newest this
# many are ranked and listed (the page says so), and all of them are counted and narrowable.
# Which posts those are is kept until listings change, like the counts; ranking them is not.
RANK_WINDOW = 200
COUNTS_SECONDS = settings.LISTING_COUNT_CACHE_SECONDS

# ts_headline marks matches with these private-use characters; the snippet is escaped first and
# only then are they turned into <mark> elements, so nothing from a post reaches the page unescaped.
MARK_START, MARK_END = "\ue000", "\ue001"
MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}", re.DOTALL)
# How much of the end of a post's text is read to tell whether a snippet reaches it, and the
# punctuation that may close a text.
ENDING_LENGTH = 40
CLOSING = ".!?…:;\"'”’)"


def search(request):
    """Posts matching `q` (most relevant first) or, without `q`, the posts a filter selects, newest first."""
    with connection.execute_wrapper(matching_by_index):
        # The queries run here; the response is rendered from what they returned.
        return search_response(request)


# Sent in the same round trip as each of the search's queries (see matching_by_index).
PLANNER = "SET LOCAL enable_seqscan = off; "


def matching_by_index(execute, sql, params, many, context):
    """Run a query of the search with sequential scans priced out, so that matches are found
    through the GIN index rather than by reading every post's text vector.

    PostgreSQL prices `(title || body) @@ query` as one cheap operator call a row, not knowing
    that it reads and joins two vectors as long as the posts: for a word in most posts it reads
    every vector (30 ms at 2,000 posts, for each of the count, the labels and the ranked page)
    where the index finds the same posts without reading one (2 ms). The setting goes ahead of
    the query in one message, which PostgreSQL runs as one transaction: it ends with the query
    (or with the transaction the query is part of), and the query's rows come back as before.
    """
    # A server-side cursor (a named one, for .iterator()) takes one statement only.
    named = getattr(context["cursor"].cursor, "name", None)
    if many or named or not sql.lstrip().upper().startswith("SELECT"):
        return execute(sql, params, many, context)
    result = execute(PLANNER + sql, params, many, context)
    context["cursor"].nextset()  # past the setting's result to the query's rows
    return result


def search_response(request):
    search = SearchRequest.from_querydict(request.GET)
    # Stored only as the search spells its own parameters, so padded, overlong or unreadable
    # values (`?q=%20harbour`, `?from=x`) do not each get a copy of the same page.
    years = {"from": str(search.year_from or ""), "to": str(search.year_to or "")}
    caching.uses(request, "tag", q=search.query, **years)
    context = {"search": search, "query": search.query, "notes": search.notes, "results": None}
    posts = published_posts()

    tags = {}
    if search.tag_slugs:
        tags = {tag.slug: tag for tag in Tag.objects.filter(slug__in=search.tag_slugs)}
    context["selected_tags"] = [
        {"tag": tags[slug], "remove_url": "?" + search.params([s for s in search.tag_slugs if s != slug])}
        for slug in search.tag_slugs
        if slug in tags
    ]
    context["unknown_tags"] = [slug for slug in search.tag_slugs if slug not in tags]
    # Several labels narrow further: a post must carry every one of them.
    for tag in tags.values():
        posts = posts.filter(pk__in=tag.blog_blogposttag_items.values("content_object_id"))
    if search.year_from:
        posts = posts.filter(date__year__gte=search.year_from)
    if search.year_to:
        posts = posts.filter(date__year__lte=search.year_to)

    search_query = search.search_query() if search.query else None
    if search.is_empty:
        context["facets"] = tag_facets(posts.values("pk"), search)
        return TemplateResponse(request, "search/search.html", context)
    match_count = None
    if context["unknown_tags"] or (search.query and search_query is None):
        results = BlogPostPage.objects.none()
        matched_ids = None
    elif search_query is not None:
        results = posts.search(search_query)
        tsquery, config = parsed_query(results)
        matched = matching_posts(posts, tsquery)
        # The cleaned parameters decide every figure below; keying by them spares compiling SQL.
        asked = search.params()
        match_count = search_cached("search-count", matched.count, asked)
        if match_count > RANK_WINDOW:
            # Only the newest matches are ranked (see RANK_WINDOW); the rest are counted, not listed.
            newest = matched.order_by("-date", "-pk").values_list("pk", flat=True)[:RANK_WINDOW]
            window = search_cached("search-window", lambda: list(newest), (asked, RANK_WINDOW))
            results = posts.filter(pk__in=window).search(search_query)
            context["ranked_newest"] = RANK_WINDOW
        matched_ids = matched.values("pk")
    else:
        results = posts.order_by("-date", "-pk")
        matched_ids = posts.values("pk")

    listed = None if match_count is None else min(match_count, RANK_WINDOW)
    # Without words the results are a plain listing, named by its cleaned parameters.
    listing = ("search", search.params()) if search_query is None else None
    page = paginate(request, results, settings.BLOG_POSTS_PER_PAGE, count=listed, listing=listing)
    blog_index = BlogIndexPage.for_request(request)
    # The page's posts, as their cards' HTML.
    if matched_ids is None:
        page.object_list = []
    elif search_query is not None:
        page.object_list = ranked_cards(request, blog_index, posts, page, tsquery, config, search.params())
    else:
        page.object_list = listing_cards(page.object_list, blog_index, request, (*listing, page.number))
    context.update(
        results=page,
        match_count=page.paginator.count if match_count is None else match_count,
        facets=tag_facets(matched_ids, search) if matched_ids is not None else [],
        pagination_params=search.params(),
        blog_index=blog_index,
    )
    return TemplateResponse(request, "search/search.html", context)


def parsed_query(results):
    """The tsquery and text search configuration Wagtail's database backend built for `results`."""
    compiler = results.query_compiler
    config = compiler.get_config(results.backend)
    return compiler.build_tsquery(compiler.query, config=config), config


def matching_posts(posts, tsquery):
    """`posts` whose search index entry matches `tsquery`, as a plain queryset (no ranking).

    The same condition Wagtail's database backend applies (title and body vectors, its tsquery),
    so it uses the same GIN index; counting and narrowing by label need no ranking.
    """
    vector = CombinedExpression(
        F("index_entries__title"), "||", F("index_entries__body"), output_field=SearchVectorField()
    )
    return posts.annotate(_vector_=vector).filter(_vector_=tsquery)


def published_posts():
    """Every post a reader may see, ready to render as cards."""
    return BlogPostPage.objects.readable().as_cards()


def tag_facets(matched_ids, search):
    """The labels of the matched posts with how many carry each, and the link that narrows to
    each: one aggregate query, kept per search until listings change."""

    def facets():
        rows = (
            Tag.objects.filter(blog_blogposttag_items__content_object__in=matched_ids)
            .exclude(slug__in=search.tag_slugs)
            .annotate(count=Count("blog_blogposttag_items"))
            .order_by("-count", "name")
            .values("name", "slug", "count")[:FACET_LIMIT]
        )
        return [{**row, "url": "?" + search.params([*search.tag_slugs, row["slug"]])} for row in rows]

    return search_cached("search-facets", facets, search.params())


def search_cached(name, compute, asked):
    """`compute()` for the search `asked` (its cleaned parameters), kept until listings change."""
    return caching.cached(name, compute, scopes=[caching.LISTINGS], vary=asked, timeout=COUNTS_SECONDS)


def ranked_cards(request, blog_index, posts, page, tsquery, config, asked):
    """The cards of `page` (of ranked results), in order, each with its snippet for its intro.

    Which posts those are and their snippets are kept per search and page until listings change:
    ranking reads the whole text vector of every post it ranks, and a snippet the post's whole
    text. The cards made from them are kept as a listing's are (blog.cards.kept_cards), until
    comment counts change too: a page served from them loads none of its posts.
    """

    def make():
        loaded = {}

        def rank():
            ranked = list(page.object_list)
            loaded.update((post.pk, post) for post in ranked)
            return list(snippets(ranked, tsquery, config).items())

        kept = search_cached("search-ranked", rank, (asked, page.number))
        missing = [pk for pk, _snippet in kept if pk not in loaded]
        if missing:
            loaded.update((post.pk, post) for post in posts.filter(pk__in=missing))
        return [
            card(loaded[pk], blog_index, request, highlight(snippet)) for pk, snippet in kept if pk in loaded
        ]

    return kept_cards(("search-ranked", asked, page.number), request, make)


def snippets(posts, tsquery, config):
    """{pk: snippet} for `posts`, in their order: each one's text around the matches, the matched
    terms between MARK_START and MARK_END."""
    if not posts:
        return {}
    headline = SearchHeadline(
        "index_entries__body_text",
        tsquery,
        config=config,
        start_sel=MARK_START,
        stop_sel=MARK_END,
        max_words=35,
        min_words=15,
        max_fragments=2,
        fragment_delimiter=" … ",
    )
    rows = (
        BlogPostPage.objects.filter(pk__in=[post.pk for post in posts])
        .annotate(snippet=headline, ending=Right("index_entries__body_text", ENDING_LENGTH))
        .values_list("pk", "snippet", "ending")
    )
    found = {pk: with_closing(snippet or "", ending or "") for pk, snippet, ending in rows}
    return {post.pk: found.get(post.pk, "") for post in posts}


def with_closing(headline, ending):
    """`headline` with the text's closing punctuation when it reaches the end of the text
    (`ending`): ts_headline ends every fragment at a word, so a snippet of the text's last
    sentence would lose its full stop."""
    words = ending.rstrip(CLOSING)
    if words == ending or not words:
        return headline
    plain = headline.replace(MARK_START, "").replace(MARK_END, "")
    tail = words[-min(len(words), len(plain)) :]
    return headline + ending[len(words) :] if tail and plain.endswith(tail) else headline


def highlight(headline):
    """`headline` escaped, with the spans ts_headline marked wrapped in <mark>."""
    marked = MARKED.sub(r"<mark>\1</mark>", escape(headline))
    return mark_safe(marked.replace(MARK_START, "").replace(MARK_END, ""))  # noqa: S308 - escaped above
