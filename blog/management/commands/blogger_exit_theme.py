"""Write the Blogger theme that sends an imported blog's readers and search engines here."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.blogger import exit_theme
from blog.management.blogs import chosen_blog
from blog.models import BloggerImport, ImportStatus
from broadsheet.routing import public_root_url


class Command(BaseCommand):
    help = (
        "Write a Blogger theme (XML) that, on each old post, page, label and archive address of an "
        "imported blog, names the new address as canonical and sends readers to it. Install it in "
        "Blogger under Theme → Customise → Restore (or Edit HTML)."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="Where to write the theme, e.g. exit-theme.xml")
        parser.add_argument(
            "--blog-url",
            help="The old blog's address (https://example.blogspot.com/); by default the one the "
            "last import read from its export.",
        )
        parser.add_argument(
            "--site-url",
            help="The new site's address (https://example.org); by default the blog's Wagtail site.",
        )
        parser.add_argument("--blog-index", help="Slug or id of the blog (needed only with several).")

    def handle(self, *args, output, blog_url, site_url, blog_index, **options):
        index = chosen_blog(blog_index)
        site = index.get_site()
        if site is None:
            raise CommandError(f"the blog “{index.title}” is on no site")
        blog_url = blog_url or self.imported_blog_url(site)
        new_root = (site_url or public_root_url(site)).rstrip("/")
        if not new_root.startswith(("http://", "https://")):
            raise CommandError(f"--site-url “{site_url}” must start with https:// (or http://)")
        home_url = index.get_url(current_site=site)
        home_url = home_url if home_url.startswith("http") else new_root + home_url
        try:
            found = exit_theme.moves(site, blog_url, new_root)
            text = exit_theme.theme(blog_url, home_url, found, new_root)
        except exit_theme.ExitThemeError as error:
            raise CommandError(str(error)) from None
        Path(output).write_text(text, encoding="utf-8")
        if options["verbosity"] > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Wrote {output} ({len(text.encode()) / 1024:,.0f} KB): {len(found)} old addresses of "
                    f"{exit_theme.old_base(blog_url)} lead to {new_root}, any other to the same path there."
                )
            )

    @staticmethod
    def imported_blog_url(site):
        job = (
            BloggerImport.objects.filter(site=site, status=ImportStatus.FINISHED)
            .exclude(blog_url="")
            .order_by("-finished_at")
            .first()
        )
        if job is None:
            raise CommandError(
                "no import of this site read the blog's address from its export (Takeout's has none): "
                "give it with --blog-url https://example.blogspot.com/"
            )
        return job.blog_url
