"""Models: one ``public()`` query per model, and texts in the reader's language."""

import pytest
from django.utils import translation

from events.models import Event, Material, Photo, Post, Recording, Speaker, Talk, shown_language
from tests.events.factories import EventFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_a_missing_version_falls_back_to_the_other():
    only_zh = EventFactory(title="首次聚会")  # the only title, in Chinese
    only_en = EventFactory(title="First meetup")
    with translation.override("en"):
        assert only_zh.display_title == "首次聚会"
    with translation.override("zh-hans"):
        assert only_en.display_title == "First meetup"


@pytest.mark.parametrize(("reader", "english", "chinese", "lang"), [
    ("zh-hans", "First meetup", "", "en"),  # a fallback to English
    ("zh-hans", "First meetup", "首次聚会", None),  # the reader's own version
    ("zh-hans", "首次聚会", "", None),  # the only version is Chinese
    ("en", "First meetup", "首次聚会", None),
    ("en", "", "首次聚会", "zh-hans"),  # a fallback to Chinese
    ("en", "首次聚会", "", "zh-hans"),  # the only version, in Chinese
    ("en", "TensorFlow 2.0 新特性介绍", "", "zh-hans"),  # mostly Chinese
    ("en", "Meetup at 上海", "", None),  # mostly English
    ("en", "", "", None),
])
def test_text_shown_in_the_other_language_is_marked(reader, english, chinese, lang):
    with translation.override(reader):
        assert shown_language(english, chinese) == lang


def test_every_model_has_one_public_query(world):
    assert list(Event.objects.public()) == [world["public"]]
    assert set(Talk.objects.public().values_list("title", flat=True)) == {"Open talk"}
    assert set(Speaker.objects.public().values_list("name", flat=True)) == {"Open Speaker"}
    assert set(Recording.objects.public().values_list("title", flat=True)) == \
        {"Open recording"}
    assert not Material.objects.public().exists() and not Photo.objects.public().exists()
    assert set(Post.objects.public().values_list("title", flat=True)) == {"Open summary"}
    world_post = PostFactory(title="No event")  # a post of no event is public
    assert world_post in Post.objects.public()
