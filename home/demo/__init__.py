"""Broadsheet's demo content: `content.toml` read and checked into small dataclasses.

`read()` returns the shipped demo; `load(text)` checks any TOML text the same way and raises
`DemoContentError` naming the entry and field at fault. Checked here, so `load_demo` can trust it:
every table's keys (unknown ones are refused, to catch typos), field types, block types, that
slugs and comment ids are unique, that authors exist, that `{link:<slug>}` names an earlier post
(posts are created in file order, and a link is resolved when its post is created), and that a
reply follows the comment it answers.
"""

import re
import tomllib
from dataclasses import MISSING, dataclass, fields
from datetime import datetime
from enum import StrEnum
from pathlib import Path

CONTENT = Path(__file__).with_name("content.toml")

# `{link:<slug>}text{/link}` in paragraph text links to the demo post with that slug.
LINK = re.compile(r"\{link:(?P<slug>[\w-]+)\}(?P<text>.*?)\{/link\}")


class DemoContentError(ValueError):
    """The demo content is malformed; the message names the entry and what is wrong."""


class PostStatus(StrEnum):
    PUBLISHED = "published"
    DRAFT = "draft"  # saved as a revision, never published
    SCHEDULED = "scheduled"  # published with a go-live time in the future


class CommentStatus(StrEnum):
    PUBLIC = "public"
    HELD = "held"  # waits in the moderation queue


@dataclass(frozen=True)
class Author:
    """A byline with its short biography."""

    name: str
    bio: str


@dataclass(frozen=True)
class Heading:
    """A section heading (shown as h2)."""

    text: str


@dataclass(frozen=True)
class Paragraph:
    """Rich text as HTML, which may hold `{link:<slug>}...{/link}`."""

    text: str


@dataclass(frozen=True)
class Quote:
    """A quotation; plain text is wrapped in a paragraph, HTML is kept."""

    text: str
    source: str = ""
    source_url: str = ""


@dataclass(frozen=True)
class Image:
    """A generated placeholder picture titled and described by its alt text."""

    alt_text: str
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True)
class Embed:
    """An oEmbed URL with a caption."""

    url: str
    caption: str = ""


@dataclass(frozen=True)
class Code:
    """A code listing in one of the code block's languages."""

    language: str
    code: str


Block = Heading | Paragraph | Quote | Image | Embed | Code
BLOCK_TYPES = {
    "heading": Heading,
    "paragraph": Paragraph,
    "quote": Quote,
    "image": Image,
    "embed": Embed,
    "code": Code,
}


@dataclass(frozen=True)
class Post:
    """A blog post. Only a published post has a `date`; a scheduled one goes live
    `go_live_in_days` after it is loaded, and a draft is dated when it is loaded."""

    slug: str
    title: str
    authors: tuple[str, ...]
    labels: tuple[str, ...]
    intro: str
    body: tuple[Block, ...]
    status: PostStatus = PostStatus.PUBLISHED
    date: datetime | None = None
    go_live_in_days: int | None = None


@dataclass(frozen=True)
class Comment:
    """A reader comment; `post` is the thread's post, named by the thread's first comment."""

    id: str
    post: str
    name: str
    email: str
    text: str
    hours_after_post: int
    url: str = ""
    reply_to: str | None = None
    status: CommentStatus = CommentStatus.PUBLIC
    held_because: str = ""


@dataclass(frozen=True)
class DemoContent:
    """Everything `load_demo` creates, in the order it creates it."""

    home_intro: str
    blog_intro: str
    authors: tuple[Author, ...]
    posts: tuple[Post, ...]
    comments: tuple[Comment, ...]


def read() -> DemoContent:
    """The demo content shipped in `content.toml`."""
    return load(CONTENT.read_text(encoding="utf-8"), source=CONTENT.name)


def load(text: str, source: str = "demo content") -> DemoContent:
    """Parse and check demo content given as TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DemoContentError(f"{source}: not valid TOML: {error}") from None
    top = _Entry(data, source)
    home_intro = top.text("home_intro")
    blog_intro = top.text("blog_intro")
    authors = tuple(_author(entry) for entry in top.tables("authors"))
    posts = {}
    for entry in top.tables("posts"):
        post = _post(entry, {author.name for author in authors}, posts)
        posts[post.slug] = post
    comments = {}
    for entry in top.tables("comments"):
        comment = _comment(entry, posts, comments)
        comments[comment.id] = comment
    top.done()
    return DemoContent(home_intro, blog_intro, authors, tuple(posts.values()), tuple(comments.values()))


class _Entry:
    """One TOML table and where it is, for messages; `done()` refuses keys nobody read."""

    def __init__(self, table, where):
        self.table = table
        self.where = where
        self.read = set()

    def error(self, message):
        return DemoContentError(f"{self.where}: {message}")

    def get(self, key, kinds, expected, default=MISSING):
        self.read.add(key)
        if key not in self.table:
            if default is MISSING:
                raise self.error(f"missing {key!r}")
            return default
        value = self.table[key]
        # TOML's true and false are Python ints too; no field here takes them.
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise self.error(f"{key!r} must be {expected}, not {value!r}")
        return value

    def text(self, key, default=MISSING):
        return self.get(key, (str,), "a string", default)

    def integer(self, key, default=MISSING):
        return self.get(key, (int,), "a whole number", default)

    def local_datetime(self, key, default=MISSING):
        value = self.get(key, (datetime,), "a local date and time such as 2016-03-14 08:30:00", default)
        if isinstance(value, datetime) and value.tzinfo is not None:
            raise self.error(f"{key!r} must be a local time (the site's time zone), without an offset")
        return value

    def texts(self, key):
        values = self.get(key, (list,), "a list of strings")
        if not all(isinstance(value, str) for value in values):
            raise self.error(f"{key!r} must be a list of strings, not {values!r}")
        return tuple(values)

    def choice(self, key, choices, default):
        value = self.text(key, default)
        try:
            return choices(value)
        except ValueError:
            raise self.error(f"{key!r} is {value!r}; expected one of {', '.join(choices)}") from None

    def tables(self, key):
        entries = self.get(key, (list,), "an array of tables", default=[])
        singular = key.removesuffix("s")
        for number, table in enumerate(entries, 1):
            where = f"{self.where}: {singular} {number}"
            if not isinstance(table, dict):
                raise DemoContentError(f"{where}: must be a table, not {table!r}")
            yield _Entry(table, where)

    def done(self):
        unknown = sorted(set(self.table) - self.read)
        if unknown:
            raise self.error(f"unknown key(s) {', '.join(map(repr, unknown))}")


def _author(entry):
    author = Author(name=entry.text("name"), bio=entry.text("bio"))
    entry.done()
    return author


def _post(entry, author_names, earlier_posts):
    slug = entry.text("slug")
    if slug in earlier_posts:
        raise entry.error(f"slug {slug!r} is already used by an earlier post")
    entry.where += f" ({slug})"
    status = entry.choice("status", PostStatus, PostStatus.PUBLISHED)
    date = entry.local_datetime("date", None)
    go_live_in_days = entry.integer("go_live_in_days", None)
    if status is PostStatus.PUBLISHED and date is None:
        raise entry.error("a published post needs a 'date'")
    if status is not PostStatus.PUBLISHED and date is not None:
        raise entry.error(f"a {status} post is dated when it is loaded, so it takes no 'date'")
    if status is PostStatus.SCHEDULED and go_live_in_days is None:
        raise entry.error("a scheduled post needs 'go_live_in_days'")
    if status is not PostStatus.SCHEDULED and go_live_in_days is not None:
        raise entry.error("only a scheduled post takes 'go_live_in_days'")
    if go_live_in_days is not None and go_live_in_days < 1:
        raise entry.error("'go_live_in_days' must be 1 or more, so the post is in the future")
    authors = entry.texts("authors")
    if not authors:
        raise entry.error("'authors' must name at least one author")
    for name in authors:
        if name not in author_names:
            raise entry.error(f"author {name!r} is not in [[authors]]")
    post = Post(
        slug=slug,
        title=entry.text("title"),
        authors=authors,
        labels=entry.texts("labels"),
        intro=entry.text("intro"),
        body=tuple(_block(block, earlier_posts) for block in entry.tables("body")),
        status=status,
        date=date,
        go_live_in_days=go_live_in_days,
    )
    entry.done()
    return post


def _block(entry, earlier_posts):
    kind = entry.text("type")
    if kind not in BLOCK_TYPES:
        raise entry.error(f"unknown block type {kind!r}; expected one of {', '.join(BLOCK_TYPES)}")
    cls = BLOCK_TYPES[kind]
    block = cls(**{field.name: entry.text(field.name, field.default) for field in fields(cls)})
    entry.done()
    if isinstance(block, Paragraph):
        for match in LINK.finditer(block.text):
            if match["slug"] not in earlier_posts:
                raise entry.error(f"links to {match['slug']!r}, which is not an earlier post")
        rest = LINK.sub("", block.text)
        if "{link:" in rest or "{/link}" in rest:
            raise entry.error("has a {link:...} without its {/link}, or the other way round")
    return block


def _comment(entry, posts, earlier):
    comment_id = entry.text("id")
    if comment_id in earlier:
        raise entry.error(f"id {comment_id!r} is already used by an earlier comment")
    entry.where += f" ({comment_id})"
    reply_to = entry.text("reply_to", None)
    post = entry.text("post", None)
    if reply_to is None:
        if post is None:
            raise entry.error("a comment that starts a thread needs a 'post'")
        if post not in posts:
            raise entry.error(f"'post' is {post!r}, which is not a post in this file")
    else:
        if post is not None:
            raise entry.error("a reply takes its thread's post: give 'reply_to' or 'post', not both")
        parent = earlier.get(reply_to)
        if parent is None:
            raise entry.error(f"replies to {reply_to!r}, which is not an earlier comment")
        if parent.status is CommentStatus.HELD:
            raise entry.error(f"replies to {reply_to!r}, which is held and unseen by readers")
        post = parent.post
    status = entry.choice("status", CommentStatus, CommentStatus.PUBLIC)
    held_because = entry.text("held_because", "")
    if status is CommentStatus.HELD and not held_because:
        raise entry.error("a held comment needs 'held_because', the reason moderators see")
    if status is not CommentStatus.HELD and held_because:
        raise entry.error("only a held comment takes 'held_because'")
    hours = entry.integer("hours_after_post")
    if hours < 0:
        raise entry.error("'hours_after_post' must not be negative")
    comment = Comment(
        id=comment_id,
        post=post,
        name=entry.text("name"),
        email=entry.text("email"),
        text=entry.text("text"),
        hours_after_post=hours,
        url=entry.text("url", ""),
        reply_to=reply_to,
        status=status,
        held_because=held_because,
    )
    entry.done()
    return comment
