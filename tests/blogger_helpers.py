"""The Blogger fixtures (tests/fixtures/blogger/) and importing them as a person would."""

import shutil
from io import StringIO
from pathlib import Path

from django.core.management import call_command

FIXTURES = Path(__file__).parent / "fixtures" / "blogger"


def import_fixture(folder, name="classic.xml", *args):
    """Run `import_blogger` on a copy of fixture `name` in `folder`; returns the summary printed."""
    export = Path(folder) / name
    shutil.copy(FIXTURES / name, export)
    out = StringIO()
    call_command("import_blogger", str(export), *args, stdout=out, stderr=StringIO())
    return out.getvalue()
