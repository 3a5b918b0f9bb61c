import sys

from django.core.management.base import BaseCommand

from broadsheet.services import service_problems


class Command(BaseCommand):
    help = "Check that the database and the cache can be reached; exit 1 with the reason if not."

    def handle(self, *args, **options):
        problems = service_problems()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            sys.exit(1)
        self.stdout.write("Database and cache are reachable.")
