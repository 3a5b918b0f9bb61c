"""Generate a large, realistic blog quickly: posts, tags, authors and threaded comments in bulk.

Saving a Wagtail page one at a time costs a dozen queries (tree bookkeeping, revisions, search
index); ten thousand posts would take most of an hour. Here the posts and comments are built in
memory and written by blog.bulk, which leaves the rows Wagtail and django-comments-xtd would.
Everything comes from one seeded random generator, so the same arguments always give the same blog.
"""

import json
import random
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.text import slugify
from django_comments_xtd.models import XtdComment, max_thread_level_for_content_type
from taggit.models import Tag
from wagtail.models import Page

from broadsheet import caching

from . import bulk
from .models import RESERVED_SLUGS, Author, BlogPostPage

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
        caching.forget(caching.SITE)
        self.counts.update(posts=len(pages), comments=comments)
        return self.counts

    def make_authors(self):
        existing = set(Author.objects.filter(name__in=AUTHOR_NAMES).values_list("name", flat=True))
        for name in AUTHOR_NAMES:
            if name not in existing:
                Author.objects.create(name=name)  # one at a time: save() finds each a free slug
        return list(Author.objects.filter(name__in=AUTHOR_NAMES).order_by("name"))

    def make_tags(self):
        slugs = [slugify(t) for t in TAG_POOL]
        existing = set(Tag.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        pairs = zip(TAG_POOL, slugs, strict=True)
        Tag.objects.bulk_create([Tag(name=name, slug=slug) for name, slug in pairs if slug not in existing])
        return list(Tag.objects.filter(slug__in=slugs).order_by("slug"))

    def make_posts(self, count, authors, tags):
        """`count` published posts, dated over the last YEARS years, added to the blog in bulk."""
        rng, prose, index = self.rng, self.prose, self.blog_index
        taken = set(Page.objects.child_of(index).values_list("slug", flat=True)) | RESERVED_SLUGS
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
                    # Published on their own dates, not today: listings, feeds and sitemaps show them so.
                    first_published_at=when,
                    last_published_at=when,
                    title=title,
                    slug=slug,
                    date=when,
                    intro=prose.sentence(12, 30),
                    comments_open=True,
                    body=json.dumps(body),
                )
            )
        for post in posts:
            post.set_authors(rng.sample(authors, rng.choice([1, 1, 1, 2])))
            post.tags.set(rng.sample(tags, rng.randint(0, 4)))
        self.counts["tags"] = sum(len(post.tags.all()) for post in posts)
        return bulk.add_pages(index, posts)

    def make_comments(self, posts, per_post, busy_post_comments):
        """Threaded comments, replies nested up to the configured depth, stored as XtdComment would."""
        if not posts or (per_post <= 0 and busy_post_comments <= 0):
            return 0
        rng, prose = self.rng, self.prose
        content_type = ContentType.objects.get_for_model(BlogPostPage)
        max_level = max_thread_level_for_content_type(content_type)
        comments = []  # oldest first within each post, as bulk.add_comments needs them
        for number, post in enumerate(posts):
            wanted = busy_post_comments if number == len(posts) - 1 and busy_post_comments else per_post
            local = []
            when = post.date
            for _ in range(wanted):
                when += timedelta(minutes=rng.randint(3, 600))
                parent = None
                if local and rng.random() < 0.6:
                    candidate = rng.choice(local)
                    if candidate.level < max_level:
                        parent = candidate
                name = rng.choice(COMMENTER_NAMES)
                comment = XtdComment(
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
                comment.reply_to = parent
                comment.level = 0 if parent is None else parent.level + 1
                local.append(comment)
                comments.append(comment)
        bulk.add_comments(comments)
        return len(comments)
