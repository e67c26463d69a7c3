"""Fixtures of the events tests; each name has one meaning across tests/events.

- ``organiser``: a member holding the organiser role (username ``org``) who organises
  ``event``; ``other_organiser`` holds the role but organises nothing here.
- ``member``: a member with no role but the volunteer's (everyone's).
- ``event``: a published upcoming event organised by ``organiser``.
- ``visitor``: a client that is anonymous or logged in as a plain member (parametrised).
- ``world``: a published event and a draft that share a tag and a series, the draft with
  a talk, speaker, recording, material, photo and summary post of its own.
- ``bilingual_event``, ``translated_posts``, ``loft``/``past_at_loft``/``upcoming_at_loft``:
  as their docstrings say.
- ``board``: a fake model leaderboard registered as the events' challenge provider
  (``tests.events.support.FakeBoard``); ``no_board``: none registered (dois absent).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from events import extensions, services
from events.models import Event
from tests.events.factories import (
    EventFactory,
    MaterialFactory,
    OrganiserFactory,
    PhotoFactory,
    PostFactory,
    RecordingFactory,
    SeriesFactory,
    SpeakerFactory,
    TagFactory,
    TalkFactory,
    UserFactory,
    VenueFactory,
)


@pytest.fixture
def board():
    """A fake leaderboard as the challenge provider, the real one put back after."""
    from tests.events.support import FakeBoard

    previous = extensions.challenge_provider()
    fake = FakeBoard()
    extensions.challenge_provider_register(provider=fake)
    yield fake
    extensions.challenge_provider_register(provider=previous)


@pytest.fixture
def no_board():
    """No challenge provider (the site runs without dois)."""
    previous = extensions.challenge_provider()
    extensions.challenge_provider_register(provider=None)
    yield
    extensions.challenge_provider_register(provider=previous)


@pytest.fixture
def other_organiser(db):
    return OrganiserFactory(username="org2")


@pytest.fixture
def member(db):
    return UserFactory(username="member", roles=["volunteer"])


@pytest.fixture
def event(organiser):
    return EventFactory(organisers=[organiser])


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Tasks queued by the services run in this process when their transaction commits
    (Celery's eager mode), so the locmem outbox sees their mail. The worker tests turn
    this off and start a real worker process."""
    from hub.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(params=["anonymous", "member"])
def visitor(request, client, db):
    """A client of someone who may not manage anything: anonymous, or a plain member."""
    if request.param == "member":
        client.force_login(UserFactory(username="plain", roles=["volunteer"]))
    return client


@pytest.fixture
def world(organiser):
    """A published event and a draft (see :data:`tests.events.support.SECRETS`)."""
    soon = timezone.now() + timedelta(days=5)
    shared_tag, secret_tag = TagFactory(slug="shared"), TagFactory(slug="secret-only-tag")
    shared_series = SeriesFactory(slug="monthly", name="Monthly")
    secret_series = SeriesFactory(slug="secret-series", name="Secret series")
    public = EventFactory(title="Open meetup", series=shared_series, starts_at=soon,
                          ends_at=soon + timedelta(hours=2), organisers=[organiser])
    public.tags.set([shared_tag])
    TalkFactory(event=public, title="Open talk", speakers=[SpeakerFactory(name="Open Speaker")])
    RecordingFactory(event=public, title="Open recording")
    PostFactory(event=public, title="Open summary", slug="open-summary").tags.set([shared_tag])

    draft = EventFactory(title="Secret meetup", status=Event.Status.DRAFT, starts_at=soon,
                         ends_at=soon + timedelta(hours=2), series=secret_series,
                         organisers=[organiser])
    draft.tags.set([shared_tag, secret_tag])
    hidden = SpeakerFactory(name="Hidden Speaker", slug="hidden-speaker")
    talk = TalkFactory(event=draft, title="Secret talk", speakers=[hidden])
    RecordingFactory(event=draft, title="Secret recording")
    material = MaterialFactory(event=draft, title="Secret slides")
    photo = PhotoFactory(event=draft, caption="Secret photo")
    post = PostFactory(event=draft, title="Secret summary", slug="secret-summary",
                       body="Secret body")
    post.tags.set([shared_tag, secret_tag])
    # the shared series also holds a draft of its own
    EventFactory(title="Secret meetup two", status=Event.Status.DRAFT, series=shared_series)
    return {"public": public, "draft": draft, "talk": talk, "speaker": hidden,
            "material": material, "photo": photo, "post": post}


@pytest.fixture
def bilingual_event(db):
    """A published event with its title, description and talk in English and Chinese."""
    event = EventFactory(title="Keras night", title_zh="Keras 之夜",
                         description="Bring a **laptop**.", description_zh="带上**电脑**。")
    TalkFactory(event=event, title="Fins", title_zh="背鳍", abstract="Outlines.",
                abstract_zh="轮廓。")
    return event


@pytest.fixture
def translated_posts(organiser):
    """A summary in Chinese and its English version, linked both ways: ``(zh, en)``."""
    event = EventFactory(organisers=[organiser])
    zh = PostFactory(event=event, title="首次小结", language="zh-hans", slug="summary-zh")
    en = PostFactory(event=event, title="First summary", language="en", slug="summary-en")
    services.post_translation_link(actor=organiser, post=zh, other=en)
    return zh, en


@pytest.fixture
def loft(db):
    """A venue that ``past_at_loft`` and ``upcoming_at_loft`` use."""
    return VenueFactory(name="Industrial loft", address="5 Nanteng Street")


@pytest.fixture
def past_at_loft(organiser, loft):
    start = timezone.now() - timedelta(days=400)
    return EventFactory(organisers=[organiser], venue=loft, starts_at=start,
                        ends_at=start + timedelta(hours=3), title="2019 meetup")


@pytest.fixture
def upcoming_at_loft(organiser, loft):
    return EventFactory(organisers=[organiser], venue=loft, title="Next meetup")
