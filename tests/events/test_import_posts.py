from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from events.models import Post
from events.services import post_import_text
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db
# the group's real summary of its first meetup (a copy of /work/shared/reference/)
REFERENCE = Path(__file__).parent / "data" / "2019-09-09-first-tfug-summary.md"

SAMPLE = """---
layout: post
title: 首次 TensorFlow All Around 小结
description: ~ 社区活动, 值得掺合;-)
author: zoomq
categories: Events
tags:  tfug event meetup summary
---

TFUG珠海首次活动完成

![loft](https://ipic.zoomquiet.top/2019-09-09-full-season.jpg)

<!--more-->

- 现场: 22+人
"""


def test_import_reads_front_matter_and_keeps_image_urls():
    post, created = post_import_text(text=SAMPLE, name="2019-09-09-first-meetup.md")
    assert created
    assert post.slug == "2019-09-09-first-meetup"
    assert post.title == "首次 TensorFlow All Around 小结"
    assert post.author == "zoomq" and post.categories == ["Events"]
    assert sorted(t.slug for t in post.tags.all()) == ["event", "meetup", "summary", "tfug"]
    assert post.published_at.date().isoformat() == "2019-09-09"
    assert "https://ipic.zoomquiet.top/2019-09-09-full-season.jpg" in post.body


def test_import_is_idempotent_by_slug():
    post_import_text(text=SAMPLE, name="2019-09-09-first-meetup.md")
    post, created = post_import_text(text=SAMPLE.replace("22+", "23+"),
                                     name="2019-09-09-first-meetup.md")
    assert not created and Post.objects.count() == 1 and "23+" in post.body


def test_command_reports_bad_files_and_imports_the_rest(tmp_path, capsys):
    good = tmp_path / "2019-09-09-good.md"
    good.write_text(SAMPLE, encoding="utf-8")
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


def test_import_the_real_reference_post():
    post, _ = post_import_text(text=REFERENCE.read_text(encoding="utf-8"),
                               name="2019-09-09-first-tfug-summary.md")
    assert post.language == "zh-hans" and "pan.baidu.com" in post.body


# --- uploads on the site ----------------------------------------------------------------

def _md(name: str, text: str = SAMPLE):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/markdown")


def test_upload_imports_good_files_and_names_each_bad_one(organiser, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from events.services import posts_import_uploads

    settings.UPLOAD_MAX_BYTES = 5000
    report = posts_import_uploads(actor=organiser, uploads=[
        _md("2019-09-09-good.md"),
        _md("no-title.md", "---\nauthor: x\n---\nbody"),
        _md("bad.md", "---\ntitle: [unclosed\n---\nbody"),
        SimpleUploadedFile("binary.md", b"\xff\xfe\x00garbage"),
        _md("notes.txt"),
        _md("huge.md", SAMPLE + "x" * 6000),
    ])
    assert report.created == ["2019-09-09-good"]
    reasons = dict(report.failed)
    assert set(reasons) == {"no-title.md", "bad.md", "binary.md", "notes.txt", "huge.md"}
    assert "no title" in reasons["no-title.md"]
    assert "YAML" in reasons["bad.md"]
    assert "UTF-8" in reasons["binary.md"]
    assert "Markdown" in reasons["notes.txt"]
    assert "too large" in reasons["huge.md"]
    again = posts_import_uploads(actor=organiser, uploads=[_md("2019-09-09-good.md")])
    assert again.updated == ["2019-09-09-good"] and Post.objects.count() == 1


def test_upload_for_an_event_attaches_the_post_to_it(event, organiser):
    from events.services import posts_import_uploads

    other = EventFactory()
    text = SAMPLE.replace("layout: post", f"event: {other.slug}")
    report = posts_import_uploads(actor=organiser, event=event,
                                  uploads=[_md("summary.md", text)])
    assert report.created == ["summary"]
    assert Post.objects.get(slug="summary").event == event


def test_upload_permissions_per_role(event, organiser, other_organiser, member):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from events.services import posts_import_uploads

    for actor in (AnonymousUser(), member):
        with pytest.raises(PermissionDenied):
            posts_import_uploads(actor=actor, uploads=[_md("a.md")])
    for actor in (AnonymousUser(), member, other_organiser):
        with pytest.raises(PermissionDenied):
            posts_import_uploads(actor=actor, event=event, uploads=[_md("a.md")])
    assert not Post.objects.exists()
    assert posts_import_uploads(actor=organiser, event=event,
                                uploads=[_md("a.md")]).created == ["a"]


def test_upload_cannot_take_over_another_events_post(event, organiser, other_organiser):
    from events.services import posts_import_uploads

    posts_import_uploads(actor=organiser, event=event, uploads=[_md("summary.md")])
    theirs = EventFactory(organisers=[other_organiser])
    # by the front matter's event...
    text = SAMPLE.replace("layout: post", f"event: {event.slug}")
    report = posts_import_uploads(actor=other_organiser, uploads=[_md("other.md", text)])
    assert report.failed and "organisers" in report.failed[0][1]
    # ...or by the slug of a post that belongs to another event
    report = posts_import_uploads(actor=other_organiser, event=theirs,
                                  uploads=[_md("summary.md", SAMPLE.replace("22+", "0"))])
    assert [name for name, _ in report.failed] == ["summary.md"]
    post = Post.objects.get(slug="summary")
    assert post.event == event and "22+" in post.body
    assert not Post.objects.filter(slug="other").exists()
