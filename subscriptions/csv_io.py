"""Subscribers in and out as CSV: FeedBurner's and Blogger's exports in, our own export out.

An import needs one column of email addresses; a header row names it (any heading with
"mail" in it: "Email", "Email Address", "E-mail") or, without one, the first column is taken.
Optional columns: a date ("Subscription Date", "Date", "subscribed"), a status ("Status":
FeedBurner's Active and Unverified, or our own confirmed, pending, unsubscribed, suspended),
and our own "follows" and "labels". The whole file is checked before anything is written: with
a bad row nothing is, unless bad rows are to be skipped; every write is one transaction.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from taggit.models import Tag

from .confirmation import send_confirmation
from .models import Subscriber, SubscriberLabel, SubscriberStatus, normalise_email

STATUS_WORDS = {
    SubscriberStatus.CONFIRMED: {"active", "confirmed", "verified", "subscribed", "yes", "true", "1"},
    SubscriberStatus.PENDING: {"pending", "unverified", "unconfirmed", "awaiting confirmation"},
    SubscriberStatus.UNSUBSCRIBED: {
        "unsubscribed",
        "cancelled",
        "canceled",
        "opted out",
        "opted-out",
        "removed",
    },
    SubscriberStatus.SUSPENDED: {"suspended", "bounced", "bouncing", "suspended (bouncing)"},
}
DATE_FORMATS = ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y/%m/%d", "%b %d, %Y", "%d %b %Y"]
EXPORT_COLUMNS = ["email", "status", "subscribed", "confirmed", "follows", "labels"]
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class UnreadableFile(Exception):
    """A file that cannot be read as subscribers at all."""


@dataclass
class Row:
    line: int
    email: str
    status: str | None
    subscribed_at: datetime | None
    whole_blog: bool
    labels: list = field(default_factory=list)


@dataclass
class ImportReport:
    created: int = 0
    confirmed: int = 0
    pending: int = 0
    unsubscribed: int = 0
    already_known: int = 0
    duplicates: int = 0
    confirmations_sent: int = 0
    bad: list = field(default_factory=list)  # (line, what is wrong)
    written: bool = False


def decode(data):
    """The text of an uploaded file: UTF-8 (with or without a byte order mark), else Latin-1."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_date(value):
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for form in DATE_FORMATS:
            try:
                parsed = datetime.strptime(value, form)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(f"“{value}” is not a date this import can read (use 2021-03-04 or 03/04/2021)")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def parse_status(value):
    word = " ".join(value.strip().lower().split())
    if not word:
        return None
    for status, words in STATUS_WORDS.items():
        if word in words or word == status.label.lower():
            return status
    raise ValueError(
        f"“{value.strip()}” is not a status this import knows (Active, Unverified, unsubscribed…)"
    )


def columns_of(header):
    """Which column holds what, from a header row; None when the row is not a header."""
    names = [" ".join(cell.strip().lower().split()) for cell in header]
    email = next((i for i, name in enumerate(names) if "mail" in name), None)
    if email is None:
        return None

    def find(*words):
        return next((i for i, name in enumerate(names) if any(word in name for word in words)), None)

    return {
        "email": email,
        "date": find("date", "subscribed", "created", "joined"),
        "status": find("status", "state"),
        "follows": find("follows"),
        "labels": find("labels", "label"),
    }


def read(text):
    """The rows of an import file, and its bad rows as (line, what is wrong)."""
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    records = list(csv.reader(io.StringIO(text), dialect))
    records = [
        (n, record) for n, record in enumerate(records, start=1) if any(cell.strip() for cell in record)
    ]
    if not records:
        raise UnreadableFile("The file has no rows.")
    columns = columns_of(records[0][1])
    if columns is None:
        columns = {"email": 0, "date": None, "status": None, "follows": None, "labels": None}
    else:
        records = records[1:]
    tags = {}
    for tag in Tag.objects.all():
        tags[tag.name.lower()] = tags[tag.slug.lower()] = tag
    rows, bad = [], []
    for line, record in records:

        def cell(name, record=record):
            index = columns[name]
            return record[index].strip() if index is not None and index < len(record) else ""

        try:
            email = normalise_email(cell("email"))
            if not email:
                raise ValueError("no email address")
            try:
                validate_email(email)
            except ValidationError:
                raise ValueError(f"“{cell('email')[:80]}” is not an email address") from None
            if len(email) > 254:
                raise ValueError("the email address is longer than addresses can be")
            names = [name.strip() for name in cell("labels").split(";") if name.strip()]
            unknown = [name for name in names if name.lower() not in tags]
            if unknown:
                raise ValueError(f"no label called “{unknown[0]}” on this blog")
            follows = cell("follows").lower()
            if follows not in ("", "all", "labels", "replies"):
                raise ValueError(f"“{follows}” is not all, labels or replies")
            rows.append(
                Row(
                    line=line,
                    email=email,
                    status=parse_status(cell("status")),
                    subscribed_at=parse_date(cell("date")),
                    whole_blog=follows in ("", "all") and not names,
                    labels=[tags[name.lower()] for name in names],
                )
            )
        except ValueError as error:
            bad.append((line, str(error)))
    return rows, bad


def import_subscribers(data, confirmed, skip_bad=False, site=None, source="import"):
    """Import the CSV `data` (bytes). `confirmed`: readers whose row does not say otherwise were
    confirmed already (FeedBurner confirmed its own); otherwise each is asked to confirm, by email.
    Rows that say pending are asked either way; unsubscribed ones are kept so, and sent nothing.
    Addresses already stored are left as they are. Returns an ImportReport."""
    report = ImportReport()
    rows, report.bad = read(decode(data))
    if report.bad and not skip_bad:
        return report
    with transaction.atomic():
        known = set(
            Subscriber.objects.annotate(address=Lower("email"))
            .filter(address__in=[row.email for row in rows])
            .values_list("address", flat=True)
        )
        seen, new = set(), []
        now = timezone.now()
        for row in rows:
            if row.email in seen:
                report.duplicates += 1
                continue
            seen.add(row.email)
            if row.email in known:
                report.already_known += 1
                continue
            status = row.status or (SubscriberStatus.CONFIRMED if confirmed else SubscriberStatus.PENDING)
            if status == SubscriberStatus.CONFIRMED and not confirmed:
                status = SubscriberStatus.PENDING
            subscriber = Subscriber(
                email=row.email,
                status=status,
                whole_blog=row.whole_blog,
                source=source,
                subscribed_at=row.subscribed_at or now,
                confirmed_at=(row.subscribed_at or now) if status != SubscriberStatus.PENDING else None,
                unsubscribed_at=now if status == SubscriberStatus.UNSUBSCRIBED else None,
            )
            new.append((subscriber, row))
        Subscriber.objects.bulk_create([subscriber for subscriber, _row in new], batch_size=1000)
        SubscriberLabel.objects.bulk_create(
            [SubscriberLabel(subscriber=s, tag=tag) for s, row in new for tag in row.labels], batch_size=1000
        )
        for subscriber, row in new:
            report.created += 1
            if subscriber.status == SubscriberStatus.PENDING:
                report.pending += 1
                label_ids = [tag.pk for tag in row.labels]
                report.confirmations_sent += send_confirmation(
                    subscriber, row.whole_blog, label_ids, site=site
                )
            elif subscriber.status == SubscriberStatus.CONFIRMED:
                report.confirmed += 1
            else:
                report.unsubscribed += 1
        report.written = True
    return report


def safe_cell(value):
    """A cell a spreadsheet shows as text, never runs as a formula."""
    value = str(value)
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def export_rows(subscribers):
    """The header and one row per subscriber, for csv.writer; reads them in chunks."""
    yield EXPORT_COLUMNS
    chunk = subscribers.order_by("pk").prefetch_related("labels")
    for subscriber in chunk.iterator(chunk_size=2000):
        labels = sorted(tag.name for tag in subscriber.labels.all())
        follows = "all" if subscriber.whole_blog else "labels" if labels else "replies"
        yield [
            safe_cell(cell)
            for cell in (
                subscriber.email,
                subscriber.status,
                subscriber.subscribed_at.isoformat() if subscriber.subscribed_at else "",
                subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
                follows,
                "; ".join(labels),
            )
        ]


class Echo:
    """A file whose write() returns what it was given, for streaming csv.writer's lines."""

    def write(self, value):
        return value


def export_lines(subscribers):
    writer = csv.writer(Echo())
    for row in export_rows(subscribers):
        yield writer.writerow(row)
