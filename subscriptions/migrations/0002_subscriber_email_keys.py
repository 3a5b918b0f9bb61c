"""An index for the Readers admin's deep pages (subscriptions/admin_views.py), in address order.

A page deep in the list first reads its subscribers' keys (broadsheet.admin_listings): with the
key beside the address PostgreSQL reads them from the index alone, where the unique index on the
address alone made it sort every subscriber (on disk, at 50,000). Built CONCURRENTLY: the table
stays writable while it is made.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("subscriptions", "0001_initial")]

    operations = [
        AddIndexConcurrently(
            "subscriber",
            models.Index(fields=["email"], include=["id"], name="subscriber_email_keys"),
        )
    ]
