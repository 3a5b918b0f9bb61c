"""Write a made-up WordPress export, for measuring how fast `import_wordpress` runs."""

from blog.management.generating import GenerateExportCommand
from blog.wordpress.synthetic import write_synthetic_export


class Command(GenerateExportCommand):
    help = "Write a synthetic WordPress export (WXR: posts, categories, tags, links, threaded comments)."
    write = write_synthetic_export
    comments_per_post = 5
