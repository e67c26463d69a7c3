"""Post services: writing, importing Markdown with front matter (by slug, idempotent, the
real reference post), uploads per file and per role, languages and translations."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from events import services
from events.models import Post
from events.services import post_import_text
from tests.events.factories import EventFactory, PostFactory
from tests.events.support import REFERENCE_POST, SAMPLE_POST, markdown_upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("body", "language"), [
    ("今天的活动很开心。", "zh-hans"),
    ("现场 22 人，线上 3 人。See https://tfug.example", "zh-hans"),
    ("We met in Zhuhai and trained a model.", "en"),
])
def test_short_chinese_posts_are_labelled_chinese(organiser, body, language):
    post = services.post_write(actor=organiser, event=EventFactory(organisers=[organiser]),
                              title="小结", body=body)
    assert post.language == language


def test_import_reads_front_matter_and_keeps_image_urls():
    post, created = post_import_text(text=SAMPLE_POST, name="2019-09-09-first-meetup.md")
    assert created
    assert post.slug == "2019-09-09-first-meetup"
    assert post.title == "首次 TensorFlow All Around 小结"
    assert post.author == "zoomq" and post.categories == ["Events"]
    assert sorted(t.slug for t in post.tags.all()) == ["event", "meetup", "summary", "tfug"]
    assert post.published_at.date().isoformat() == "2019-09-09"
    assert "https://ipic.zoomquiet.top/2019-09-09-full-season.jpg" in post.body


def test_import_is_idempotent_by_slug():
    post_import_text(text=SAMPLE_POST, name="2019-09-09-first-meetup.md")
    post, created = post_import_text(text=SAMPLE_POST.replace("22+", "23+"),
                                     name="2019-09-09-first-meetup.md")
    assert not created and Post.objects.count() == 1 and "23+" in post.body


def test_import_the_real_reference_post():
    post, _ = post_import_text(text=REFERENCE_POST.read_text(encoding="utf-8"),
                               name="2019-09-09-first-tfug-summary.md")
    assert post.language == "zh-hans" and "pan.baidu.com" in post.body


def test_upload_imports_good_files_and_names_each_bad_one(organiser, settings):

    from events.services import posts_import_uploads

    settings.UPLOAD_MAX_BYTES = 5000
    report = posts_import_uploads(actor=organiser, uploads=[
        markdown_upload("2019-09-09-good.md"),
        markdown_upload("no-title.md", "---\nauthor: x\n---\nbody"),
        markdown_upload("bad.md", "---\ntitle: [unclosed\n---\nbody"),
        SimpleUploadedFile("binary.md", b"\xff\xfe\x00garbage"),
        markdown_upload("notes.txt"),
        markdown_upload("huge.md", SAMPLE_POST + "x" * 6000),
    ])
    assert report.created == ["2019-09-09-good"]
    reasons = dict(report.failed)
    assert set(reasons) == {"no-title.md", "bad.md", "binary.md", "notes.txt", "huge.md"}
    assert "no title" in reasons["no-title.md"]
    assert "YAML" in reasons["bad.md"]
    assert "UTF-8" in reasons["binary.md"]
    assert "Markdown" in reasons["notes.txt"]
    assert "too large" in reasons["huge.md"]
    again = posts_import_uploads(actor=organiser, uploads=[markdown_upload("2019-09-09-good.md")])
    assert again.updated == ["2019-09-09-good"] and Post.objects.count() == 1


def test_upload_for_an_event_attaches_the_post_to_it(event, organiser):
    from events.services import posts_import_uploads

    other = EventFactory()
    text = SAMPLE_POST.replace("layout: post", f"event: {other.slug}")
    report = posts_import_uploads(actor=organiser, event=event,
                                  uploads=[markdown_upload("summary.md", text)])
    assert report.created == ["summary"]
    assert Post.objects.get(slug="summary").event == event


def test_upload_permissions_per_role(event, organiser, other_organiser, member):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from events.services import posts_import_uploads

    for actor in (AnonymousUser(), member):
        with pytest.raises(PermissionDenied):
            posts_import_uploads(actor=actor, uploads=[markdown_upload("a.md")])
    for actor in (AnonymousUser(), member, other_organiser):
        with pytest.raises(PermissionDenied):
            posts_import_uploads(actor=actor, event=event, uploads=[markdown_upload("a.md")])
    assert not Post.objects.exists()
    assert posts_import_uploads(actor=organiser, event=event,
                                uploads=[markdown_upload("a.md")]).created == ["a"]


def test_upload_cannot_take_over_another_events_post(event, organiser, other_organiser):
    from events.services import posts_import_uploads

    posts_import_uploads(actor=organiser, event=event, uploads=[markdown_upload("summary.md")])
    theirs = EventFactory(organisers=[other_organiser])
    # by the front matter's event...
    text = SAMPLE_POST.replace("layout: post", f"event: {event.slug}")
    report = posts_import_uploads(actor=other_organiser,
                                  uploads=[markdown_upload("other.md", text)])
    assert report.failed and "organisers" in report.failed[0][1]
    # ...or by the slug of a post that belongs to another event
    report = posts_import_uploads(actor=other_organiser, event=theirs,
                                  uploads=[markdown_upload("summary.md",
                                                           SAMPLE_POST.replace("22+", "0"))])
    assert [name for name, _ in report.failed] == ["summary.md"]
    post = Post.objects.get(slug="summary")
    assert post.event == event and "22+" in post.body
    assert not Post.objects.filter(slug="other").exists()


def test_post_write_needs_the_events_organiser(event, organiser, other_organiser):
    post = services.post_write(actor=organiser, event=event, title="Summary", body="我们" * 30)
    assert post.language == "zh-hans" and post.slug == "summary"
    with pytest.raises(PermissionDenied):
        services.post_write(actor=other_organiser, event=event, title="x", body="y")


def test_linking_is_both_ways_and_one_at_a_time(organiser, translated_posts):
    zh, en = translated_posts
    zh.refresh_from_db()
    en.refresh_from_db()
    assert zh.translation == en and en.translation == zh
    other = PostFactory(event=zh.event, language="en", slug="other-en")
    services.post_translation_link(actor=organiser, post=zh, other=other)
    en.refresh_from_db()
    assert en.translation is None and Post.objects.get(pk=other.pk).translation_id == zh.pk
    with pytest.raises(ValidationError):
        services.post_translation_link(actor=organiser, post=zh,
                                       other=PostFactory(language="zh-hans", slug="x"))


def test_import_links_by_front_matter():
    zh, _ = post_import_text(text="---\ntitle: 小结\nlang: zh-hans\n---\n你好", name="s-zh.md")
    en, _ = post_import_text(text="---\ntitle: Summary\nlang: en\ntranslation: s-zh\n---\nHi",
                             name="s-en.md")
    zh.refresh_from_db()
    en.refresh_from_db()
    assert zh.translation == en and en.translation == zh
