"""The blog both sites are seeded with in `make bench-peer`: the same posts, words, labels and comments.

Pure Python without dependencies, so that Broadsheet's seeding and Puput's (in a virtual
environment of its own) read the same blog from it. The same arguments give the same blog, byte
for byte: titles, bodies, dates, labels and comments.
"""

import argparse
import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Written for this benchmark: the commentary of a small river-mouth town.
NOUNS = """
harbour town river council tide bridge market ferry quay street winter summer morning evening
school library budget road boat year week night plan question story letter house garden field
mill station lantern engine bell wall gate yard square hill marsh meadow orchard path lane
clock tower chapel inn bakery forge workshop warehouse jetty mooring slipway channel estuary
sandbank dune cliff cove headland beacon signal storm gale fog frost rain harvest festival
choir band stage gallery museum archive ledger record map chart survey report minute motion
vote meeting committee mayor clerk keeper pilot skipper fisher trader baker carpenter mason
teacher neighbour visitor stranger child family crowd voice promise rumour answer reason
decision delay cost repair timber stone slate brick rope sail net anchor lamp kettle table
""".split()
ADJECTIVES = """
old new quiet busy narrow wide long short early late cold warm grey green bright dark
patient careful sudden steady distant local public private wooden stone muddy windy
honest modest curious stubborn generous tired cheerful gentle heavy light small large
familiar forgotten hidden crowded empty sheltered exposed ancient recent final
""".split()
VERBS = """
builds mends carries follows watches crosses opens closes measures counts answers questions
remembers forgets welcomes ignores repairs paints delays funds approves rejects explains
describes reaches leaves finds keeps holds writes reads hears changes moves shapes guards
""".split()
ADVERBS = """
often rarely slowly quickly quietly finally clearly simply almost nearly perhaps already
still soon later again together gradually frankly honestly briefly
""".split()
PREPOSITIONS = "in on at with from into during through across under after before behind beyond near".split()
DETERMINERS = "the a this that every each one another our their".split()
CONJUNCTIONS = "and but because although while since so yet when unless".split()
OPENERS = [
    "However", "Meanwhile", "In the end", "Of course", "For a while", "Years later", "At first",
    "In practice", "On the other hand", "As a rule", "Even so", "Later that year",
]  # fmt: skip
AUTHORS = ["Wren Alderly", "Odile Marsh", "Caspar Quayle", "Noor Tidewell", "Bram Foss"]
COMMENTERS = [
    "Mooring ring", "Lantern keeper", "Ward six", "Baker on the hill", "Old pilot", "Net mender",
    "A. Neighbour", "Chapel choir", "Foss Lane", "Dune walker", "Ferry regular", "Mill clerk",
]  # fmt: skip
COMMON_WORD = "harbour"  # in every post: the search that matches the whole blog
LABELS = 60  # the pool each post takes 1 to 4 labels from
SEED = 20261201
# A fixed end, not today: the same arguments give the same dates on any day.
END = datetime(2026, 1, 1, tzinfo=UTC)
YEARS = 10


def _zipf(words):
    """Weights that make a few words common and most rare, as full-text search meets them."""
    return [1.0 / (rank + 1) ** 0.8 for rank in range(len(words))]


WEIGHTS = {id(words): _zipf(words) for words in (NOUNS, ADJECTIVES, VERBS)}


def slugify(text):
    """The slug Django's slugify gives for these plain ASCII words."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Comment:
    """A reader's comment, top-level."""

    name: str
    email: str
    text: str
    submitted: datetime


@dataclass(frozen=True)
class Post:
    """A post: its blocks are ("heading", text) and ("paragraph", text) pairs, plain text."""

    title: str
    slug: str
    date: datetime
    author: str
    intro: str
    blocks: tuple[tuple[str, str], ...]
    labels: tuple[str, ...]
    comments: tuple[Comment, ...]

    def html(self):
        """The body as one piece of HTML, for a rich-text field."""
        tags = {"heading": "h2", "paragraph": "p"}
        return "\n".join(f"<{tags[kind]}>{text}</{tags[kind]}>" for kind, text in self.blocks)

    @property
    def words(self):
        return sum(len(text.split()) for _, text in self.blocks)


class Prose:
    """Sentences, titles and paragraphs from the word lists, driven by one random generator."""

    def __init__(self, rng):
        self.rng = rng

    def pick(self, words):
        return self.rng.choices(words, WEIGHTS[id(words)])[0]

    def noun_phrase(self, noun=None):
        rng = self.rng
        words = [rng.choice(DETERMINERS)]
        if rng.random() < 0.55:
            words.append(self.pick(ADJECTIVES))
        words.append(noun or self.pick(NOUNS))
        if words[0] == "a" and words[1][0] in "aeiou":
            words[0] = "an"
        return " ".join(words)

    def clause(self, noun=None):
        rng = self.rng
        words = [self.noun_phrase()]
        if rng.random() < 0.2:
            words.append(rng.choice(ADVERBS))
        words += [self.pick(VERBS), self.noun_phrase(noun)]
        if rng.random() < 0.5:
            words += [rng.choice(PREPOSITIONS), self.noun_phrase()]
        return " ".join(words)

    def sentence(self, noun=None):
        rng = self.rng
        text = self.clause(noun)
        if rng.random() < 0.4:
            text += f", {rng.choice(CONJUNCTIONS)} {self.clause()}"
        if rng.random() < 0.15:
            text = f"{rng.choice(OPENERS)}, {text}"
        return text[0].upper() + text[1:] + rng.choice(".....?!")

    def paragraph(self, noun=None):
        sentences = [self.sentence(noun)] + [self.sentence() for _ in range(self.rng.randint(2, 7))]
        return " ".join(sentences)

    def title(self):
        rng = self.rng
        words = [self.pick(ADJECTIVES), self.pick(NOUNS), rng.choice(PREPOSITIONS), "the", self.pick(NOUNS)]
        if rng.random() < 0.4:
            words.insert(0, rng.choice(ADVERBS))
        small = {*PREPOSITIONS, *DETERMINERS}
        return " ".join(word if n and word in small else word.capitalize() for n, word in enumerate(words))

    def blocks(self, target_words):
        """Paragraphs, now and then a heading, about `target_words` words (±10 %), the first
        paragraph naming the COMMON_WORD."""
        rng = self.rng
        target = int(target_words * rng.uniform(0.9, 1.1))
        blocks, count = [], 0
        while count < target:
            if blocks and rng.random() < 0.12:
                heading = self.title()
                blocks.append(("heading", heading))
                count += len(heading.split())
            text = self.paragraph(COMMON_WORD if not blocks else None)
            blocks.append(("paragraph", text))
            count += len(text.split())
        return tuple(blocks)


def labels(count):
    """`count` distinct label names: nouns alone, then adjective and noun pairs."""
    names = [noun.capitalize() for noun in dict.fromkeys(NOUNS)]
    names += [f"{adjective.capitalize()} {noun}" for noun in NOUNS for adjective in ADJECTIVES]
    return names[:count]


def blog(posts, *, label_count=LABELS, words=1000, comments=5, seed=SEED):
    """The `posts` posts, oldest first, dated evenly over YEARS years up to END (each at a random
    second of its share), each with 1 to 4 labels of `label_count`, and `comments` comments."""
    rng = random.Random(seed)
    prose = Prose(rng)
    pool = labels(label_count)
    span = timedelta(days=365 * YEARS) / max(posts, 1)
    start = END - span * posts
    taken = set()
    out = []
    for number in range(posts):
        title = prose.title()
        slug = base = slugify(title)[:60].strip("-")
        suffix = 2
        while slug in taken:
            slug = f"{base}-{suffix}"
            suffix += 1
        taken.add(slug)
        date = start + span * number + timedelta(seconds=rng.randrange(int(span.total_seconds())))
        date = date.replace(microsecond=0)
        when = date
        thread = []
        for _ in range(comments):
            when += timedelta(minutes=rng.randint(3, 600))
            name = rng.choice(COMMENTERS)
            text = " ".join(prose.sentence() for _ in range(rng.randint(1, 4)))
            thread.append(Comment(name, f"{slugify(name)}@example.org", text, when))
        out.append(
            Post(
                title=title,
                slug=slug,
                date=date,
                author=rng.choice(AUTHORS),
                intro=prose.sentence(),
                blocks=prose.blocks(words),
                labels=tuple(rng.sample(pool, rng.randint(1, 4))),
                comments=tuple(thread),
            )
        )
    return out


def report(posts, tags, tag_items, comments, label_links, urls):
    """What a seeding script reports of its blog, from that site's querysets: the counts that
    must match the other blog's, the median post by date and the most used label (`tag_items`
    names the tags' relation to their posts), and the paths to measure, from
    `urls(median_post)`: (index, post, month, search, feed)."""
    from django.db.models import Count  # both sites have Django; the shape itself needs none

    posts = posts.order_by("date", "slug")
    count = posts.count()
    middle = posts[count // 2]
    label = tags.annotate(n=Count(tag_items)).filter(n__gt=0).order_by("-n", "slug").first().slug
    index, post, month, search, feed = urls(middle)
    return {
        "posts": count,
        "comments": comments.count(),
        "label_links": label_links.count(),
        "post": middle.slug,
        "label": label,
        "paths": {
            "index": index,
            "post": post,
            "label": f"{index}tag/{label}/",
            "month": month,
            "search": f"{search}?q={COMMON_WORD}",
            "feed": feed,
        },
    }


def command_line(description, seed, report):
    """The seeding scripts' command line: `seed --posts N` calls seed(N), `report` prints report()
    as JSON."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("action", choices=["seed", "report"])
    parser.add_argument("--posts", type=int, default=2000)
    args = parser.parse_args()
    if args.action == "seed":
        seed(args.posts)
    else:
        print(json.dumps(report()))
