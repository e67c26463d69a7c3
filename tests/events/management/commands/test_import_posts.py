"""``manage.py import_posts``: imports what it can, reports the rest, fails when any file fails."""

import pytest
from django.core.management import CommandError, call_command

from events.models import Post
from tests.events.support import SAMPLE_POST

pytestmark = pytest.mark.django_db


def test_command_reports_bad_files_and_imports_the_rest(tmp_path, capsys):
    good = tmp_path / "2019-09-09-good.md"
    good.write_text(SAMPLE_POST, encoding="utf-8")
    no_title = tmp_path / "no-title.md"
    no_title.write_text("---\nauthor: x\n---\nbody", encoding="utf-8")
    bad_yaml = tmp_path / "bad.md"
    bad_yaml.write_text("---\ntitle: [unclosed\n---\nbody", encoding="utf-8")
    binary = tmp_path / "binary.md"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    missing = tmp_path / "missing.md"
    # the command fails (exit status 1) when any file fails, after importing the others
    with pytest.raises(CommandError, match="4 of 5 files"):
        call_command("import_posts", str(no_title), str(good), str(bad_yaml), str(binary),
                     str(missing))
    out, err = capsys.readouterr()
    assert "created 2019-09-09-good" in out and "1 created, 0 updated, 4 failed" in out
    for path in (no_title, bad_yaml, binary, missing):
        assert f"skipped {path}" in err
    assert Post.objects.count() == 1
    call_command("import_posts", str(good))
    assert "updated 2019-09-09-good" in capsys.readouterr().out


def test_command_fails_when_nothing_imports(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_posts", str(tmp_path / "nope.md"))
