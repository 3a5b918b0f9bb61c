"""The whole site out as WordPress's export format (WXR): `wxr.py` writes the XML, `gutenberg.py`
turns post bodies into block markup, `site.py` reads the site a batch at a time, `jobs.py` runs
an export from the admin as a task, `admin_views.py` is its admin page."""
