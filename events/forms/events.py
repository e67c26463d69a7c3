"""Forms of the event pages: an event, its copy, its organisers; the search."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.forms.base import EMPTY_CHOICE, DateTimeLocalInput, zoned_fields_clean
from events.models import Series, Venue


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title (English)"), max_length=200,
                            help_text=_("Or the only title, in any language."))
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200, required=False,
                               help_text=_("Readers of the Chinese site see this one."))
    description = forms.CharField(label=_("Description (English)"),
                                  widget=forms.Textarea(attrs={"rows": 8}),
                                  required=False, help_text=_("Markdown."))
    description_zh = forms.CharField(label=_("Description (Chinese)"),
                                     widget=forms.Textarea(attrs={"rows": 8}),
                                     required=False, help_text=_("Markdown."))
    timezone = forms.CharField(label=_("Time zone"), initial=settings.TIME_ZONE, max_length=64)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput(),
                                    help_text=_("In the event's time zone."))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeLocalInput())
    capacity = forms.IntegerField(label=_("Seats on site"), min_value=1, required=False,
                                  help_text=_("Empty means no limit."))
    max_guests = forms.IntegerField(label=_("Guests per member"), min_value=0, max_value=20,
                                    initial=0, required=False,
                                    help_text=_("How many guests (+N) a member may bring on "
                                                "site; guests take seats."))
    rsvp_deadline = forms.DateTimeField(label=_("RSVP deadline"), widget=DateTimeLocalInput(),
                                        required=False,
                                        help_text=_("Empty: until the event starts."))
    stream_url = forms.URLField(label=_("Online stream link"), required=False,
                                help_text=_("Shown only to members who RSVP'd online, until "
                                            "the event ends."))
    model_night = forms.BooleanField(
        label=_("Model night: the event hosts a model challenge"), required=False,
        help_text=_("The event's page shows the leaderboard of the models submitted "
                    "during the challenge, during and after the event."))
    challenge_opens_at = forms.DateTimeField(
        label=_("Challenge opens at"), widget=DateTimeLocalInput(), required=False,
        help_text=_("Empty: when the event starts. Earlier gives members time to train."))
    challenge_closes_at = forms.DateTimeField(
        label=_("Challenge closes at"), widget=DateTimeLocalInput(), required=False,
        help_text=_("Empty: when the event ends."))
    series = forms.ModelChoiceField(label=_("Series"), queryset=Series.objects.all(),
                                    required=False, empty_label=EMPTY_CHOICE)
    new_series = forms.CharField(label=_("…or a new series"), max_length=200, required=False)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by spaces."))
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(),
                                   required=False, empty_label=_("No venue (online only)"),
                                   help_text=_("Venues have their own pages, where they are "
                                               "edited."))
    venue_name = forms.CharField(label=_("…or a new venue: name"), max_length=200,
                                 required=False)
    venue_address = forms.CharField(label=_("Address"), max_length=300, required=False)
    venue_latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6,
                                        min_value=-90, max_value=90, required=False)
    venue_longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6,
                                         min_value=-180, max_value=180, required=False)
    venue_directions = forms.CharField(label=_("Transit directions"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 4}),
                                       help_text=_("Markdown."))
    venue_map_url = forms.URLField(label=_("Map link"), required=False)

    def __init__(self, *args, event=None, **kwargs):
        super().__init__(*args, **kwargs)
        venues = Venue.objects.current()
        if event is not None and event.venue_id:
            venues = venues | Venue.objects.filter(pk=event.venue_id)  # keeps an old version
        self.fields["venue"].queryset = venues.order_by("name", "id")

    def clean(self):
        data = super().clean()
        zone = data.get("timezone") or settings.TIME_ZONE
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.add_error("timezone", _("Unknown time zone."))
            return data
        zoned_fields_clean(self, ("starts_at", "ends_at", "rsvp_deadline",
                                  "challenge_opens_at", "challenge_closes_at"), zone)
        data = self.cleaned_data
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        data["max_guests"] = data.get("max_guests") or 0
        if not data.get("model_night"):
            data["challenge_opens_at"] = data["challenge_closes_at"] = None
        data["tag_names"] = [t for t in (data.get("tags") or "").replace(",", " ").split() if t]
        if data.get("venue") and data.get("venue_name"):
            self.add_error("venue_name", _("Choose a venue or add a new one, not both."))
        return data

    @classmethod
    def initial_for(cls, event) -> dict:
        zone = ZoneInfo(event.timezone)

        def local(value):
            return timezone.localtime(value, zone).replace(tzinfo=None) if value else None

        return {
            "title": event.title, "description": event.description, "timezone": event.timezone,
            "title_zh": event.title_zh, "description_zh": event.description_zh,
            "starts_at": local(event.starts_at), "ends_at": local(event.ends_at),
            "rsvp_deadline": local(event.rsvp_deadline), "max_guests": event.max_guests,
            "capacity": event.capacity, "stream_url": event.stream_url, "series": event.series,
            "tags": " ".join(t.name for t in event.tags.all()), "venue": event.venue_id,
            "model_night": event.model_night,
            "challenge_opens_at": local(event.challenge_opens_at),
            "challenge_closes_at": local(event.challenge_closes_at),
        }


class CopyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput(),
                                    help_text=_("In the event's time zone."))

    def __init__(self, *args, event, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        zoned_fields_clean(self, ("starts_at",), self.event.timezone)
        return self.cleaned_data

    @classmethod
    def initial_for(cls, event) -> dict:
        zone = ZoneInfo(event.timezone)
        nxt = timezone.localtime(event.starts_at, zone) + timedelta(days=28)
        return {"title": event.title, "starts_at": nxt.replace(tzinfo=None)}


class OrganiserForm(forms.Form):
    username = forms.CharField(label=_("Add an organiser (username)"), max_length=150)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search events, talks and posts"), max_length=100,
                        required=False)
