"""Meetups and everything around them: series, venues, talks, speakers, RSVPs,
recordings, materials, photos and summary posts (one module per sub-domain).

Models hold data, QuerySet methods and URLs only; who may do what lives in
:mod:`events.rules`, every write in :mod:`events.services` and every shared read in
:mod:`events.selectors`. Every model is imported here, so ``events.models.<Model>`` and
the app label ``events`` stay as they were.
"""

from events.models.events import (
    PUBLIC_EVENT_STATUSES,
    Event,
    EventPartQuerySet,
    EventQuerySet,
    Series,
    SeriesQuerySet,
    Tag,
    TagQuerySet,
    in_reader_language,
    shown_language,
)
from events.models.mail import Mail
from events.models.media import (
    Material,
    Photo,
    Recording,
    _material_path,  # noqa: F401 - named by migrations 0001-0003
    _photo_path,  # noqa: F401 - named by migrations 0001-0003
    _thumb_path,  # noqa: F401 - named by migrations 0001-0003
)
from events.models.posts import Post, PostQuerySet
from events.models.programme import (
    Speaker,
    SpeakerQuerySet,
    Talk,
    TalkProposal,
    TalkProposalQuerySet,
    TalkSpeaker,
)
from events.models.rsvps import RSVP
from events.models.venues import Venue, VenueQuerySet

__all__ = [
    "PUBLIC_EVENT_STATUSES", "RSVP", "Event", "EventPartQuerySet", "EventQuerySet", "Mail",
    "Material", "Photo", "Post", "PostQuerySet", "Recording", "Series", "SeriesQuerySet",
    "Speaker", "SpeakerQuerySet", "Tag", "TagQuerySet", "Talk", "TalkProposal",
    "TalkProposalQuerySet", "TalkSpeaker", "Venue", "VenueQuerySet", "in_reader_language",
    "shown_language",
]
