from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from events.models import (
    RSVP,
    Event,
    Material,
    Photo,
    Post,
    Recording,
    Series,
    Speaker,
    Tag,
    Talk,
    TalkProposal,
    TalkSpeaker,
    Venue,
)
from tests.hub.factories import UserFactory

__all__ = ["EventFactory", "MaterialFactory", "OrganiserFactory", "PhotoFactory", "PostFactory",
           "ProposalFactory", "RSVPFactory", "RecordingFactory", "SeriesFactory",
           "SpeakerFactory", "TagFactory", "TalkFactory", "UserFactory", "VenueFactory"]


class OrganiserFactory(UserFactory):
    """A member holding the organiser role, and the volunteer role every member has."""

    username = factory.Sequence(lambda n: f"organiser{n}")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            self.groups.add(*Group.objects.filter(
                name__in=extracted or ["organiser", "volunteer"]))
            self.save()


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Venue {n}")
    address = "5 Nanteng Street, Zhuhai"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"event-{n}")
    title = factory.Sequence(lambda n: f"Meetup {n}")
    description = "We meet and learn **TensorFlow**."
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=3))
    status = Event.Status.PUBLISHED
    venue = factory.SubFactory(VenueFactory)
    capacity = None

    @factory.post_generation
    def organisers(self, create, extracted, **kwargs):
        if create and extracted:
            self.organisers.add(*extracted)


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    slug = factory.Sequence(lambda n: f"speaker-{n}")
    name = factory.Sequence(lambda n: f"Speaker {n}")


class TalkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Talk
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Talk {n}")

    @factory.post_generation
    def speakers(self, create, extracted, **kwargs):
        """Speakers in the given order."""
        if create:
            for position, speaker in enumerate(extracted or [SpeakerFactory()]):
                TalkSpeaker.objects.create(talk=self, speaker=speaker, position=position)

    @factory.post_generation
    def remote(self, create, extracted, **kwargs):
        """``remote=True``: every speaker joins remotely."""
        if create and extracted:
            self.talk_speakers.update(remote=True)


class RSVPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RSVP

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    mode = RSVP.Mode.ONSITE
    status = RSVP.Status.GOING


class RecordingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recording

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Recording {n}")
    provider = Recording.Provider.YOUTUBE
    url = "https://www.youtube.com/watch?v=qyvlt7kiQoI"


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    slug = factory.Sequence(lambda n: f"post-{n}")
    title = factory.Sequence(lambda n: f"Post {n}")
    body = "Hello"
    published_at = factory.LazyFunction(timezone.now)


class MaterialFactory(factory.django.DjangoModelFactory):
    """A material with a stored file (pass ``file=None`` and a ``url`` for a link)."""

    class Meta:
        model = Material

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Slides {n}")
    kind = Material.Kind.SLIDES
    file = factory.django.FileField(filename="slides.pdf", data=b"%PDF-1.4 slides")
    filename = factory.LazyAttribute(lambda m: "slides.pdf" if m.file else "")


class PhotoFactory(factory.django.DjangoModelFactory):
    """An uploaded photo with its thumbnail."""

    class Meta:
        model = Photo

    event = factory.SubFactory(EventFactory)
    image = factory.django.ImageField(filename="room.jpg", width=64, height=48)
    thumbnail = factory.django.ImageField(filename="room-thumb.jpg", width=32, height=24)
    caption = "The room"


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    slug = factory.Sequence(lambda n: f"series-{n}")
    name = factory.Sequence(lambda n: f"Series {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name = factory.LazyAttribute(lambda t: t.slug)


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TalkProposal

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Proposal {n}")
    abstract = "What I will show."
