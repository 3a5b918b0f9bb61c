from django.core.management.base import BaseCommand

from subscriptions import csv_io
from subscriptions.models import Subscriber, SubscriberStatus


class Command(BaseCommand):
    help = "Write the email subscribers as CSV (the format import_subscribers reads back)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="a file to write (default: standard output)")
        parser.add_argument(
            "--status", choices=SubscriberStatus.values, help="only subscribers in this status"
        )

    def handle(self, *args, output, status, **options):
        subscribers = Subscriber.objects.all()
        if status:
            subscribers = subscribers.filter(status=status)
        lines = csv_io.export_lines(subscribers)
        if output:
            with open(output, "w", newline="", encoding="utf-8") as stream:
                stream.writelines(lines)
        else:
            for line in lines:
                self.stdout.write(line, ending="")
