"""Generate a large, realistic blog quickly: posts, tags, authors and threaded comments in bulk.

Saving a Wagtail page one at a time costs a dozen queries (tree bookkeeping, revisions, search
index); ten thousand posts would take most of an hour. Here the tree paths are computed the way
treebeard's MP_Node does, every table is written with multi-row INSERTs, and the search index is
filled through the backend's bulk path. Everything comes from one seeded random generator, so the
same arguments always give the same blog.
"""

import json
import random
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils.text import slugify
from django_comments.models import Comment
from django_comments_xtd.models import XtdComment, max_thread_level_for_content_type
from taggit.models import Tag
from wagtail.models import Locale, Page
from wagtail.search.backends import get_search_backend

from broadsheet import caching

from .models import RESERVED_SLUGS, Author, BlogPostPage, BlogPostTag

# Vocabulary of a small coastal town's commentary blog, written for these seeds.
WORDS = """
harbour council budget levy ferry quay tide ledger ward mayor vote motion clerk planning permit
school library bridge road tram bus station market square fishery boatyard pier lighthouse
seawall flood drain culvert river estuary marsh meadow orchard allotment hedgerow footpath
cycleway parking rates reserve audit tender contract consultant report minutes agenda petition
hearing appeal inspector committee chair deputy member officer resident neighbour trader
volunteer lifeboat coastguard festival regatta carnival choir theatre gallery museum archive
census survey forecast deficit surplus grant loan bond interest inflation wages rents housing
flats terrace cottage estate tenancy landlord developer architect surveyor engineer contractor
scaffold crane quarry granite timber slate brick mortar harbourmaster pilot trawler crab mackerel
herring oyster kelp gull tern heron curlew plover dune shingle cliff cove headland breakwater
slipway mooring berth dredging silt ballast cargo container freight warehouse depot yard
ferryman timetable fare pass season winter spring summer autumn morning evening storm gale
fog drizzle sunshine frost thaw spring tide neap ebb flow promise delay cost overrun saving
decision debate question answer figure estimate record history future plan draft scheme
proposal amendment objection support majority minority quorum recess session term election
candidate ballot count turnout result recount pledge manifesto campaign leaflet doorstep
newspaper column letter editor reader comment correction notice bulletin broadcast interview
statement spokesperson briefing leak memo email spreadsheet chart table graph map
""".split()
CONNECTIVES = """the a of to and in on for with by from at as that which while after before because
although since until unless whereas so yet but or nor when where""".split()
VERBS = """approved rejected delayed funded questioned revised published deferred announced
promised reopened closed repaired widened measured counted reviewed challenged welcomed
criticised explained doubled halved postponed confirmed""".split()
# Appears in roughly one post in a thousand, so searching for it finds a handful.
RARE_WORD = "quillwort"
COMMON_WORD = "harbour"
TAG_POOL = [
    "Budget", "Council", "Harbour", "Transport", "Housing", "Schools", "Planning", "Environment",
    "Elections", "Fisheries", "Weather", "History", "Culture", "Letters", "Corrections", "Health",
    "Roads", "Flooding", "Tourism", "Business", "Policing", "Libraries", "Parks", "Water",
    "Energy", "Ferries", "Arts", "Sport", "Courts", "Audit", "Heritage", "Wildlife", "Markets",
    "Jobs", "Rates", "Lifeboats", "Festivals", "Bridges", "Interviews", "Data",
]  # fmt: skip
AUTHOR_NAMES = ["Maren Okafor", "Tomas Lindqvist", "Ines Carvalho", "Priya Natarajan", "Aled Pryce"]
COMMENTER_NAMES = ["Harbour watcher", "Jo from the quay", "R. Tamsin", "Old ferryman", "Ward 4 voter",
                   "Librarian", "Concerned parent", "A. Reader", "Skipper Bev", "Net mender"]  # fmt: skip
YEARS = 10
BATCH = 1000


class Prose:
    """Sentences and paragraphs from the word lists, driven by one random generator."""

    def __init__(self, rng):
        self.rng = rng

    def words(self, count):
        rng = self.rng
        out = []
        for n in range(count):
            pool = VERBS if n % 5 == 3 else CONNECTIVES if n % 3 == 1 else WORDS
            out.append(rng.choice(pool))
        return out

    def sentence(self, low=8, high=22):
        words = self.words(self.rng.randint(low, high))
        return " ".join(words).capitalize() + self.rng.choice(".....?!")

    def paragraph(self):
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 7)))

    def title(self):
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(3, 7))).capitalize()


def _block(kind, value):
    return {"type": kind, "value": value, "id": str(uuid.uuid4())}


def post_body(prose, rare):
    """A post body of 2 to 18 blocks: paragraphs, with now and then a heading or a quote."""
    rng = prose.rng
    blocks = []
    for n in range(rng.choice([2, 3, 4, 5, 6, 8, 10, 12, 18])):
        if n and rng.random() < 0.12:
            blocks.append(_block("heading", {"text": prose.title(), "level": "h2"}))
        elif n and rng.random() < 0.06:
            quote = {"text": f"<p>{prose.sentence()}</p>", "source": "", "source_url": ""}
            blocks.append(_block("quote", quote))
        text = prose.paragraph()
        if rare and n == 0:
            text = f"A {RARE_WORD} grows by the {COMMON_WORD} wall. {text}"
        blocks.append(_block("paragraph", f"<p>{text}</p>"))
    return blocks


def _insert_rows(model, objs, fields):
    """A multi-row INSERT of `fields` for `objs` (also for the child table of a multi-table model)."""
    for start in range(0, len(objs), BATCH):
        model._base_manager._insert(objs[start : start + BATCH], fields=fields, using=connection.alias)


class Seeder:
    def __init__(self, blog_index, seed=1, stdout=None):
        self.blog_index = blog_index
        self.rng = random.Random(seed)
        self.prose = Prose(self.rng)
        self.stdout = stdout
        self.counts = {}

    def run(self, posts, comments_per_post, busy_post_comments=0):
        with transaction.atomic():
            authors = self.make_authors()
            tags = self.make_tags()
            pages = self.make_posts(posts, authors, tags)
            comments = self.make_comments(pages, comments_per_post, busy_post_comments)
        self.index(pages)
        caching.forget(caching.SITE)
        self.counts.update(posts=len(pages), comments=comments)
        return self.counts

    def make_authors(self):
        existing = {a.name: a for a in Author.objects.filter(name__in=AUTHOR_NAMES)}
        Author.objects.bulk_create([Author(name=n) for n in AUTHOR_NAMES if n not in existing])
        return list(Author.objects.filter(name__in=AUTHOR_NAMES).order_by("name"))

    def make_tags(self):
        slugs = [slugify(t) for t in TAG_POOL]
        existing = set(Tag.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        pairs = zip(TAG_POOL, slugs, strict=True)
        Tag.objects.bulk_create([Tag(name=name, slug=slug) for name, slug in pairs if slug not in existing])
        return list(Tag.objects.filter(slug__in=slugs).order_by("slug"))

    def make_posts(self, count, authors, tags):
        rng, prose, index = self.rng, self.prose, self.blog_index
        index.refresh_from_db()
        depth = index.depth + 1
        last = index.get_last_child()
        first_step = Page._str2int(last.path[-Page.steplen :]) + 1 if last else 1
        taken = set(Page.objects.child_of(index).values_list("slug", flat=True)) | RESERVED_SLUGS
        content_type = ContentType.objects.get_for_model(BlogPostPage)
        locale = index.locale_id or Locale.get_default().pk
        # Anchored at midnight so that the same seed gives the same dates all day.
        now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        start = now - timedelta(days=365 * YEARS)
        span = (now - start).total_seconds()
        offsets = sorted(rng.random() * span for _ in range(count))
        rare_every = 1000
        posts = []
        for n in range(count):
            title = prose.title()
            slug = base = slugify(title)[:70] or "post"
            suffix = 2
            while slug in taken or slug.isdigit():
                slug = f"{base}-{suffix}"
                suffix += 1
            taken.add(slug)
            when = start + timedelta(seconds=int(offsets[n]))
            body = post_body(prose, rare=(n % rare_every == 0))
            posts.append(
                BlogPostPage(
                    path=Page._get_path(index.path, depth, first_step + n),
                    depth=depth,
                    numchild=0,
                    translation_key=uuid.uuid4(),  # must be unique across runs, so not seeded
                    locale_id=locale,
                    live=True,
                    has_unpublished_changes=False,
                    first_published_at=when,
                    last_published_at=when,
                    title=title,
                    draft_title=title,
                    slug=slug,
                    content_type=content_type,
                    url_path=f"{index.url_path}{slug}/",
                    date=when,
                    intro=prose.sentence(12, 30),
                    comments_open=True,
                    body=json.dumps(body),
                )
            )
        page_fields = [f for f in Page._meta.local_concrete_fields if f.attname != "id"]
        # bulk_create refuses multi-table models; write the parent rows, then the child rows.
        created = Page.objects.bulk_create([self._page_row(p, page_fields) for p in posts], batch_size=BATCH)
        for post, row in zip(posts, created, strict=True):
            post.pk = post.page_ptr_id = post.id = row.pk
        _insert_rows(BlogPostPage, posts, BlogPostPage._meta.local_concrete_fields)
        Page.objects.filter(pk=index.pk).update(numchild=index.numchild + count)

        through = BlogPostPage.authors.through
        author_rows, tag_rows = [], []
        for post in posts:
            for author in rng.sample(authors, rng.choice([1, 1, 1, 2])):
                author_rows.append(through(blogpostpage_id=post.pk, author_id=author.pk))
            for tag in rng.sample(tags, rng.randint(0, 4)):
                tag_rows.append(BlogPostTag(content_object_id=post.pk, tag_id=tag.pk))
        through.objects.bulk_create(author_rows, batch_size=BATCH)
        BlogPostTag.objects.bulk_create(tag_rows, batch_size=BATCH)
        self.counts["tags"] = len(tag_rows)
        return posts

    @staticmethod
    def _page_row(post, fields):
        return Page(**{f.attname: getattr(post, f.attname) for f in fields})

    def make_comments(self, posts, per_post, busy_post_comments):
        """Threaded comments, replies nested up to the configured depth, stored as XtdComment would."""
        if not posts or (per_post <= 0 and busy_post_comments <= 0):
            return 0
        rng, prose = self.rng, self.prose
        content_type = ContentType.objects.get_for_model(BlogPostPage)
        max_level = max_thread_level_for_content_type(content_type)
        plan = []  # (post, comment, parent index in plan or None)
        for number, post in enumerate(posts):
            wanted = busy_post_comments if number == len(posts) - 1 and busy_post_comments else per_post
            local = []
            when = post.date
            for _ in range(wanted):
                when += timedelta(minutes=rng.randint(3, 600))
                parent = None
                if local and rng.random() < 0.6:
                    candidate = rng.choice(local)
                    if candidate[2] < max_level:
                        parent = candidate
                name = rng.choice(COMMENTER_NAMES)
                comment = Comment(
                    content_type=content_type,
                    object_pk=str(post.pk),
                    site_id=settings.SITE_ID,
                    user_name=name,
                    user_email=f"{slugify(name)}@example.org",
                    user_url="",
                    comment=" ".join(prose.sentence() for _ in range(rng.randint(1, 4))),
                    submit_date=when,
                    ip_address="192.0.2.1",
                    is_public=True,
                    is_removed=False,
                )
                entry = [comment, parent, 0 if parent is None else parent[2] + 1, []]
                if parent is not None:
                    parent[3].append(entry)
                local.append(entry)
                plan.append(entry)
        created = Comment.objects.bulk_create([e[0] for e in plan], batch_size=BATCH)
        for entry, row in zip(plan, created, strict=True):
            entry[0] = row
        rows = []

        def walk(entry, thread_id, counter):
            comment, parent, level, children = entry
            counter[0] += 1
            xtd = XtdComment(
                comment_ptr_id=comment.pk,
                thread_id=thread_id,
                parent_id=parent[0].pk if parent else comment.pk,
                level=level,
                order=counter[0],
                followup=False,
                nested_count=0,
            )
            rows.append(xtd)
            nested = 0
            for child in children:
                nested += 1 + walk(child, thread_id, counter)
            xtd.nested_count = nested
            return nested

        for entry in plan:
            if entry[1] is None:
                walk(entry, entry[0].pk, [0])
        _insert_rows(XtdComment, rows, XtdComment._meta.local_concrete_fields)
        return len(rows)

    def index(self, posts):
        """Add the new posts to the search index in large batches (one INSERT each)."""
        backend = get_search_backend()
        for start in range(0, len(posts), 500):
            ids = [p.pk for p in posts[start : start + 500]]
            batch = list(BlogPostPage.objects.filter(pk__in=ids).prefetch_related("tags", "authors"))
            backend.add_bulk(BlogPostPage, batch)
