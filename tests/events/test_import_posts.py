from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from events.models import Post
from events.services import post_import_text

pytestmark = pytest.mark.django_db
REFERENCE = Path("/work/shared/reference/meetup-summary-2019-09-07.md")

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


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference post not present")
def test_import_the_real_reference_post():
    post, _ = post_import_text(text=REFERENCE.read_text(encoding="utf-8"),
                               name="2019-09-09-first-tfug-summary.md")
    assert post.language == "zh-hans" and "pan.baidu.com" in post.body
