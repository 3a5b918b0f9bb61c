"""Load Broadsheet's demo blog; running it again adds only what is missing."""

import io
import json
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site as DjangoSite
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from blog.models import Author, BlogIndexPage, BlogPostPage, CommentReview
from home import demo_content as demo
from home.models import HomePage

LINK = re.compile(r"\{link:(?P<slug>[\w-]+)\}(?P<text>.*?)\{/link\}")


class Command(BaseCommand):
    help = "Create the demo blog, its posts and a demo editor account (user demo, password demo)."

    def add_arguments(self, parser):
        parser.add_argument("--hostname", default="127.0.0.1", help="The site's host name.")
        parser.add_argument("--port", type=int, default=8000, help="The site's port.")

    @transaction.atomic
    def handle(self, *args, hostname, port, **options):
        self.ensure_editor()
        home = self.ensure_home(hostname, port)
        blog = self.ensure_blog(home)
        authors = {
            name: Author.objects.get_or_create(name=name, defaults={"bio": bio})[0]
            for name, bio in demo.AUTHORS
        }
        created = 0
        for slug, title, when, names, tags, intro, body in demo.POSTS:
            if not BlogPostPage.objects.child_of(blog).filter(slug=slug).exists():
                date = timezone.make_aware(datetime.strptime(when, "%Y-%m-%d %H:%M"))
                post = self.add_post(blog, slug, title, date, names, tags, intro, body, authors)
                post.save_revision().publish()
                created += 1
        draft_slug = demo.DRAFT_POST[0]
        if not BlogPostPage.objects.child_of(blog).filter(slug=draft_slug).exists():
            post = self.add_post(
                blog,
                *demo.DRAFT_POST[:2],
                timezone.now(),
                *demo.DRAFT_POST[2:],
                authors,
                live=False,
            )
            post.save_revision()
            created += 1
        scheduled_slug = demo.SCHEDULED_POST[0]
        if not BlogPostPage.objects.child_of(blog).filter(slug=scheduled_slug).exists():
            go_live = timezone.now() + timedelta(days=30)
            post = self.add_post(
                blog,
                *demo.SCHEDULED_POST[:2],
                go_live,
                *demo.SCHEDULED_POST[2:],
                authors,
                live=False,
            )
            post.go_live_at = go_live
            post.save_revision().publish()
            created += 1
        comments = self.ensure_comments(blog)
        self.stdout.write(f"Demo content ready: {created} post(s) and {comments} comment(s) added.")

    def ensure_editor(self):
        User = get_user_model()
        if not User.objects.filter(username="demo").exists():
            User.objects.create_superuser("demo", "demo@example.com", "demo")

    def ensure_home(self, hostname, port):
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            # Wagtail's first migration leaves a "Welcome" page where the home page belongs.
            for page in root.get_children().exclude(content_type__model="homepage"):
                if page.slug == "home":
                    page.delete()
            home = root.add_child(
                instance=HomePage(title="The Harbour Ledger", slug="home", intro=demo.HOME_INTRO)
            )
            home.save_revision().publish()
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={
                "hostname": hostname,
                "port": port,
                "root_page": home,
                "site_name": settings.WAGTAIL_SITE_NAME,
            },
        )
        DjangoSite.objects.update_or_create(
            pk=settings.SITE_ID,
            defaults={
                "domain": f"{hostname}:{port}" if port != 80 else hostname,
                "name": settings.WAGTAIL_SITE_NAME,
            },
        )
        return home

    def ensure_comments(self, blog):
        """Reader threads on a few posts; a post that already has comments is left alone."""
        content_type = ContentType.objects.get_for_model(BlogPostPage)
        added = 0
        for slug, threads in demo.COMMENTS:
            post = BlogPostPage.objects.child_of(blog).filter(slug=slug).first()
            comments = XtdComment.objects.filter(content_type=content_type)
            if post is None or comments.filter(object_pk=str(post.pk)).exists():
                continue
            for thread in threads:
                added += self.add_comment(post, content_type, thread, parent=None)
        return added

    def add_comment(self, post, content_type, node, parent):
        name, email, url, hours, text, replies = node
        held = replies == demo.HELD
        comment = XtdComment.objects.create(
            content_type=content_type,
            object_pk=str(post.pk),
            site_id=settings.SITE_ID,
            user_name=name,
            user_email=email,
            user_url=url,
            comment=text,
            submit_date=post.date + timedelta(hours=hours),
            parent_id=parent.pk if parent else 0,
            is_public=not held,
        )
        if held:
            CommentReview.objects.create(comment=comment, held_because="first comment from this address")
            return 1
        return 1 + sum(self.add_comment(post, content_type, reply, comment) for reply in replies)

    def ensure_blog(self, home):
        blog = BlogIndexPage.objects.child_of(home).first()
        if blog is None:
            blog = home.add_child(instance=BlogIndexPage(title="Blog", slug="blog", intro=demo.BLOG_INTRO))
            blog.save_revision().publish()
        return blog

    def add_post(self, blog, slug, title, date, author_names, tags, intro, body, authors, live=True):
        post = BlogPostPage(
            title=title,
            slug=slug,
            date=date,
            intro=intro,
            live=live,
            body=json.dumps([self.block(blog, kind, value) for kind, value in body]),
        )
        post.authors = [authors[name] for name in author_names]
        blog.add_child(instance=post)
        post.tags.add(*tags)
        return post

    def block(self, blog, kind, value):
        if kind == "heading":
            return {"type": "heading", "value": {"text": value, "level": "h2"}}
        if kind == "paragraph":
            return {"type": "paragraph", "value": self.rich_text(blog, value)}
        if kind == "quote":
            text, source, url = value
            text = text if text.startswith("<p>") else f"<p>{text}</p>"
            return {"type": "quote", "value": {"text": text, "source": source, "source_url": url}}
        if kind == "image":
            alt, caption, credit = value
            return {
                "type": "image",
                "value": {
                    "image": demo_image(alt).pk,
                    "alt_text": alt,
                    "caption": caption,
                    "credit": credit,
                },
            }
        if kind == "embed":
            url, caption = value
            return {"type": "embed", "value": {"url": url, "caption": caption}}
        if kind == "code":
            language, code = value
            return {"type": "code", "value": {"language": language, "code": code}}
        raise ValueError(f"Unknown demo block {kind}")

    def rich_text(self, blog, html):
        def link(match):
            target = BlogPostPage.objects.child_of(blog).get(slug=match["slug"])
            return f'<a linktype="page" id="{target.pk}">{match["text"]}</a>'

        return LINK.sub(link, html)


def demo_image(title):
    """A generated placeholder picture (the demo ships no photographs)."""
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    picture = PILImage.new("RGB", (1600, 900), (32, 62, 88))
    draw = ImageDraw.Draw(picture)
    for band in range(0, 900, 60):
        shade = 70 + band // 8
        draw.rectangle([0, band, 1600, band + 30], fill=(shade // 2, shade, min(255, shade + 60)))
    draw.rectangle([0, 620, 1600, 900], fill=(54, 48, 40))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    image = Image(
        title=title,
        description=title,
        file=ImageFile(io.BytesIO(buffer.getvalue()), name=f"{slug}.jpg"),
    )
    image.save()
    return image
