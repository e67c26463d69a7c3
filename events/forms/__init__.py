"""Forms: input of the organiser and member pages, one module per sub-domain (as the
views). Rules stay in the services; the form classes are re-exported here."""

from events.forms.base import EMPTY_CHOICE, DateTimeLocalInput, zoned_fields_clean
from events.forms.events import CopyForm, EventForm, OrganiserForm, SearchForm
from events.forms.media import CaptionForm, MaterialForm, PhotoUploadForm, RecordingForm
from events.forms.posts import PostForm, PostImportForm
from events.forms.programme import (
    REMOTE_MARKERS,
    ProposalDecisionForm,
    ProposalForm,
    SpeakerForm,
    TalkForm,
)
from events.forms.rsvps import RSVPForm, WalkInsForm
from events.forms.venues import VenueForm, VenueMergeForm

__all__ = [
    "EMPTY_CHOICE", "REMOTE_MARKERS", "CaptionForm", "CopyForm", "DateTimeLocalInput",
    "EventForm", "MaterialForm", "OrganiserForm", "PhotoUploadForm", "PostForm",
    "PostImportForm", "ProposalDecisionForm", "ProposalForm", "RSVPForm", "RecordingForm",
    "SearchForm", "SpeakerForm", "TalkForm", "VenueForm", "VenueMergeForm", "WalkInsForm",
    "zoned_fields_clean",
]
