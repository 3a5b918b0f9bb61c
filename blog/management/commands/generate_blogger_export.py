"""Write a made-up Blogger export, for measuring how fast `import_blogger` runs."""

from blog.blogger.synthetic import write_synthetic_export
from blog.management.generating import GenerateExportCommand


class Command(GenerateExportCommand):
    help = "Write a synthetic classic Blogger export (posts, labels, quotes, links, threaded comments)."
    write = write_synthetic_export
