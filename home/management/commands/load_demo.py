"""Load Broadsheet's demo blog; running it again adds only what is missing."""

import io
import json
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site as DjangoSite
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model

from blog.models import Author, BlogIndexPage, BlogPostPage, CommentReview
from home import demo
from home.demo import CommentStatus, PostStatus
from home.setup import install_home_page


class Command(BaseCommand):
    help = "Create the demo blog, its posts and a demo editor account (user demo, password demo)."

    def add_arguments(self, parser):
        parser.add_argument("--hostname", default="127.0.0.1", help="The site's host name.")
        parser.add_argument("--port", type=int, default=8000, help="The site's port.")

    @transaction.atomic
    def handle(self, *args, hostname, port, **options):
        try:
            content = demo.read()
        except demo.DemoContentError as error:
            raise CommandError(str(error)) from None
        self.ensure_editor()
        home = self.ensure_home(hostname, port, content)
        blog = self.ensure_blog(home, content)
        authors = {
            author.name: Author.objects.get_or_create(name=author.name, defaults={"bio": author.bio})[0]
            for author in content.authors
        }
        created = 0
        for entry in content.posts:
            if not BlogPostPage.objects.child_of(blog).filter(slug=entry.slug).exists():
                self.add_post(blog, entry, authors)
                created += 1
        comments = self.ensure_comments(blog, content)
        self.stdout.write(f"Demo content ready: {created} post(s) and {comments} comment(s) added.")

    def ensure_editor(self):
        User = get_user_model()
        if not User.objects.filter(username="demo").exists():
            User.objects.create_superuser("demo", "demo@example.com", "demo")

    def ensure_home(self, hostname, port, content):
        home = install_home_page(
            "The Harbour Ledger",
            content.home_intro,
            hostname=hostname,
            port=port,
            site_name=settings.WAGTAIL_SITE_NAME,
        )
        DjangoSite.objects.update_or_create(
            pk=settings.SITE_ID,
            defaults={
                "domain": f"{hostname}:{port}" if port != 80 else hostname,
                "name": settings.WAGTAIL_SITE_NAME,
            },
        )
        return home

    def ensure_comments(self, blog, content):
        """Reader threads on a few posts; a post that already has comments is left alone."""
        content_type = ContentType.objects.get_for_model(BlogPostPage)
        existing = XtdComment.objects.filter(content_type=content_type)
        posts = {}
        for slug in dict.fromkeys(entry.post for entry in content.comments):
            post = BlogPostPage.objects.child_of(blog).filter(slug=slug).first()
            if post is not None and not existing.filter(object_pk=str(post.pk)).exists():
                posts[slug] = post
        # The file lists each reply after the comment it answers, so parents are created first.
        created = {}
        for entry in content.comments:
            post = posts.get(entry.post)
            if post is None:
                continue
            held = entry.status is CommentStatus.HELD
            comment = XtdComment.objects.create(
                content_type=content_type,
                object_pk=str(post.pk),
                site_id=settings.SITE_ID,
                user_name=entry.name,
                user_email=entry.email,
                user_url=entry.url,
                comment=entry.text,
                submit_date=post.date + timedelta(hours=entry.hours_after_post),
                parent_id=created[entry.reply_to].pk if entry.reply_to else 0,
                is_public=not held,
            )
            if held:
                CommentReview.objects.create(comment=comment, held_because=entry.held_because)
            created[entry.id] = comment
        return len(created)

    def ensure_blog(self, home, content):
        blog = BlogIndexPage.objects.child_of(home).first()
        if blog is None:
            blog = home.add_child(instance=BlogIndexPage(title="Blog", slug="blog", intro=content.blog_intro))
            blog.save_revision().publish()
        return blog

    def add_post(self, blog, entry, authors):
        """Create the post as `entry.status` says: published, a draft, or scheduled to go live."""
        now = timezone.now()
        match entry.status:
            case PostStatus.PUBLISHED:
                date = timezone.make_aware(entry.date)
            case PostStatus.DRAFT:
                date = now
            case PostStatus.SCHEDULED:
                date = now + timedelta(days=entry.go_live_in_days)
        post = BlogPostPage(
            title=entry.title,
            slug=entry.slug,
            date=date,
            intro=entry.intro,
            live=entry.status is PostStatus.PUBLISHED,
            body=json.dumps([self.block(blog, block) for block in entry.body]),
        )
        post.set_authors([authors[name] for name in entry.authors])
        blog.add_child(instance=post)
        post.tags.add(*entry.labels)
        if entry.status is PostStatus.SCHEDULED:
            post.go_live_at = date
        revision = post.save_revision()
        if entry.status is not PostStatus.DRAFT:
            revision.publish()
        return post

    def block(self, blog, block):
        """The StreamField JSON for one demo block (see blog.blocks.BodyBlock)."""
        match block:
            case demo.Heading(text=text):
                return {"type": "heading", "value": {"text": text, "level": "h2"}}
            case demo.Paragraph(text=text):
                return {"type": "paragraph", "value": self.rich_text(blog, text)}
            case demo.Quote(text=text, source=source, source_url=url):
                text = text if text.startswith("<p>") else f"<p>{text}</p>"
                return {"type": "quote", "value": {"text": text, "source": source, "source_url": url}}
            case demo.Image(alt_text=alt, caption=caption, credit=credit):
                return {
                    "type": "image",
                    "value": {
                        "image": demo_image(alt).pk,
                        "alt_text": alt,
                        "caption": caption,
                        "credit": credit,
                    },
                }
            case demo.Embed(url=url, caption=caption):
                return {"type": "embed", "value": {"url": url, "caption": caption}}
            case demo.Code(language=language, code=code):
                return {"type": "code", "value": {"language": language, "code": code}}
        raise ValueError(f"Unknown demo block {block!r}")

    def rich_text(self, blog, html):
        def link(match):
            target = BlogPostPage.objects.child_of(blog).get(slug=match["slug"])
            return f'<a linktype="page" id="{target.pk}">{match["text"]}</a>'

        return demo.LINK.sub(link, html)


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
