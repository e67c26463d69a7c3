"""Post pages: each translation pair once in the reader's language, the other version
linked; summary posts written or uploaded as Markdown by the event's organisers."""

import pytest
from django.urls import reverse

from events import services
from events.models import Post
from tests.events.factories import EventFactory, PostFactory
from tests.events.support import login, markdown_upload

pytestmark = pytest.mark.django_db


def test_the_list_shows_each_pair_once_in_the_readers_language(client, translated_posts):
    PostFactory(title="Only English", language="en", slug="lonely")
    zh_page = client.get("/zh-hans/events/posts/").text
    en_page = client.get("/en/events/posts/").text
    assert "首次小结" in zh_page and "First summary" not in zh_page
    assert "First summary" in en_page and "首次小结" not in en_page
    assert "Only English" in zh_page and "Only English" in en_page
    feed = client.get("/zh-hans/events/posts/feed/atom/").content.decode()
    assert "首次小结" in feed and "First summary" not in feed


def test_the_post_page_links_the_other_version(client, translated_posts):
    zh, en = translated_posts
    page = client.get(reverse("events:post", kwargs={"slug": en.slug})).text
    assert f'href="{zh.get_absolute_url()}"' in page and 'hreflang="zh-hans"' in page
    api = client.get(reverse("events-post-detail", kwargs={"slug": en.slug})).json()
    assert api["translation"] == zh.slug


def test_a_chinese_post_marks_its_english_event_title(client):
    post = PostFactory(title="首次小结", language="zh-hans", slug="zh-only",
                       event=EventFactory(title="First meetup"))
    page = client.get(f"/en/events/posts/{post.slug}/").text
    assert '<article lang="zh-hans">' in page
    # the event's title is English, inside a Chinese article: marked as the reader's
    assert 'lang="en">First meetup</a>' in page


def test_the_summary_form_links_the_translation(client, organiser, translated_posts):
    zh, en = translated_posts
    services.post_translation_link(actor=organiser, post=zh, other=None)
    client.force_login(organiser)
    url = reverse("events:post_edit", kwargs={"slug": zh.event.slug, "pk": zh.pk})
    response = client.post(url, {"title": zh.title, "body": "你好", "language": "zh-hans",
                                 "translation": en.pk})
    assert response.status_code == 302
    assert Post.objects.get(pk=en.pk).translation_id == zh.pk


GOOD_POST = "---\ntitle: 首次活动小结\ntags: tfug meetup\n---\n\n现场 22+ 人\n"


def test_post_upload_pages_per_role(client, event, member, other_organiser, organiser):
    event_url = reverse("events:post_import_event", kwargs={"slug": event.slug})
    global_url = reverse("events:post_import")
    for url in (event_url, global_url):
        assert "/login/" in client.get(url)["Location"]
    login(client, member)
    assert client.get(event_url).status_code == 403
    assert client.get(global_url).status_code == 403
    assert "events/posts/import/" not in client.get(reverse("events:post_list")).content.decode()
    login(client, other_organiser)
    assert client.get(event_url).status_code == 403
    assert client.post(event_url, {"files": markdown_upload("x.md", GOOD_POST)}).status_code == 403
    login(client, organiser)
    assert client.get(event_url).status_code == 200
    assert client.get(global_url).status_code == 200
    assert global_url in client.get(reverse("events:post_list")).content.decode()
    assert event_url in client.get(reverse("events:manage",
                                           kwargs={"slug": event.slug})).content.decode()


def test_organiser_uploads_a_summary_post(client, event, organiser):
    login(client, organiser)
    url = reverse("events:post_import_event", kwargs={"slug": event.slug})
    response = client.post(url, {"files": markdown_upload("2019-09-09-first.md", GOOD_POST)})
    assert response.status_code == 302
    assert response["Location"] == reverse("events:manage", kwargs={"slug": event.slug})
    post = event.posts.get()
    assert post.slug == "2019-09-09-first" and post.title == "首次活动小结"


def test_post_upload_reports_each_bad_file(client, organiser):
    login(client, organiser)
    response = client.post(reverse("events:post_import"), {"files": [
        markdown_upload("good.md", GOOD_POST),
        markdown_upload("broken.md", "---\ntitle: [oops\n---\n"),
        markdown_upload("photo.jpg", "not markdown")]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "broken.md" in html and "not valid YAML" in html
    assert "photo.jpg" in html and "not a Markdown file" in html
    assert reverse("events:post", kwargs={"slug": "good"}) in html
    assert client.post(reverse("events:post_import"), {}).status_code == 200  # no file: form
