"""Issue #15, item 10 (the part done): a post's zh and en versions are linked as
translations of each other; lists show each pair once, in the reader's language."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events import services
from events.models import Post
from events.services import post_import_text
from tests.events.factories import EventFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(organiser):
    event = EventFactory(organisers=[organiser])
    zh = PostFactory(event=event, title="首次小结", language="zh-hans", slug="summary-zh")
    en = PostFactory(event=event, title="First summary", language="en", slug="summary-en")
    services.post_translation_link(actor=organiser, post=zh, other=en)
    return zh, en


def test_linking_is_both_ways_and_one_at_a_time(organiser, pair):
    zh, en = pair
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


def test_the_list_shows_each_pair_once_in_the_readers_language(client, pair):
    PostFactory(title="Only English", language="en", slug="lonely")
    zh_page = client.get("/zh-hans/events/posts/").text
    en_page = client.get("/en/events/posts/").text
    assert "首次小结" in zh_page and "First summary" not in zh_page
    assert "First summary" in en_page and "首次小结" not in en_page
    assert "Only English" in zh_page and "Only English" in en_page
    feed = client.get("/zh-hans/events/posts/feed/atom/").content.decode()
    assert "首次小结" in feed and "First summary" not in feed


def test_the_post_page_links_the_other_version(client, pair):
    zh, en = pair
    page = client.get(reverse("events:post", kwargs={"slug": en.slug})).text
    assert f'href="{zh.get_absolute_url()}"' in page and 'hreflang="zh-hans"' in page
    api = client.get(reverse("events-post-detail", kwargs={"slug": en.slug})).json()
    assert api["translation"] == zh.slug


def test_import_links_by_front_matter():
    zh, _ = post_import_text(text="---\ntitle: 小结\nlang: zh-hans\n---\n你好", name="s-zh.md")
    en, _ = post_import_text(text="---\ntitle: Summary\nlang: en\ntranslation: s-zh\n---\nHi",
                             name="s-en.md")
    zh.refresh_from_db()
    en.refresh_from_db()
    assert zh.translation == en and en.translation == zh


def test_the_summary_form_links_the_translation(client, organiser, pair):
    zh, en = pair
    services.post_translation_link(actor=organiser, post=zh, other=None)
    client.force_login(organiser)
    url = reverse("events:post_edit", kwargs={"slug": zh.event.slug, "pk": zh.pk})
    response = client.post(url, {"title": zh.title, "body": "你好", "language": "zh-hans",
                                 "translation": en.pk})
    assert response.status_code == 302
    assert Post.objects.get(pk=en.pk).translation_id == zh.pk
