"""Forms: input of the organiser and member pages. Rules stay in the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import RSVP, Material, Recording, Series, Talk


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _in_zone(value: datetime | None, zone: str) -> datetime | None:
    """Read a wall-clock time typed by an organiser as a time in the event's zone."""
    if value is None:
        return None
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return timezone.make_aware(naive, ZoneInfo(zone))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        """The chosen files, unchecked: the service checks each one on its own, so an
        empty or broken file is reported by name without losing the others."""
        files = list(data) if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 8}),
                                  required=False, help_text=_("Markdown."))
    timezone = forms.CharField(label=_("Time zone"), initial=settings.TIME_ZONE, max_length=64)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput(),
                                    help_text=_("In the event's time zone."))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeLocalInput())
    capacity = forms.IntegerField(label=_("Seats on site"), min_value=1, required=False,
                                  help_text=_("Empty means no limit."))
    stream_url = forms.URLField(label=_("Online stream link"), required=False)
    series = forms.ModelChoiceField(label=_("Series"), queryset=Series.objects.all(),
                                    required=False)
    new_series = forms.CharField(label=_("…or a new series"), max_length=200, required=False)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by spaces."))
    venue_name = forms.CharField(label=_("Venue"), max_length=200, required=False)
    venue_address = forms.CharField(label=_("Address"), max_length=300, required=False)
    venue_latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6,
                                        min_value=-90, max_value=90, required=False)
    venue_longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6,
                                         min_value=-180, max_value=180, required=False)
    venue_directions = forms.CharField(label=_("Transit directions"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 4}),
                                       help_text=_("Markdown."))
    venue_map_url = forms.URLField(label=_("Map link"), required=False)

    def clean(self):
        data = super().clean()
        zone = data.get("timezone") or settings.TIME_ZONE
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.add_error("timezone", _("Unknown time zone."))
            return data
        data["starts_at"] = _in_zone(data.get("starts_at"), zone)
        data["ends_at"] = _in_zone(data.get("ends_at"), zone)
        if data["starts_at"] and data["ends_at"] and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        data["tag_names"] = [t for t in (data.get("tags") or "").replace(",", " ").split() if t]
        return data

    @classmethod
    def initial_for(cls, event) -> dict:
        zone = ZoneInfo(event.timezone)
        venue = event.venue
        initial = {
            "title": event.title, "description": event.description, "timezone": event.timezone,
            "starts_at": timezone.localtime(event.starts_at, zone).replace(tzinfo=None),
            "ends_at": timezone.localtime(event.ends_at, zone).replace(tzinfo=None),
            "capacity": event.capacity, "stream_url": event.stream_url, "series": event.series,
            "tags": " ".join(t.name for t in event.tags.all()),
        }
        if venue:
            initial.update({
                "venue_name": venue.name, "venue_address": venue.address,
                "venue_latitude": venue.latitude, "venue_longitude": venue.longitude,
                "venue_directions": venue.directions, "venue_map_url": venue.map_url,
            })
        return initial


class CopyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput())

    def __init__(self, *args, event, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)

    def clean_starts_at(self):
        return _in_zone(self.cleaned_data["starts_at"], self.event.timezone)

    @classmethod
    def initial_for(cls, event) -> dict:
        zone = ZoneInfo(event.timezone)
        nxt = timezone.localtime(event.starts_at, zone) + timedelta(days=28)
        return {"title": event.title, "starts_at": nxt.replace(tzinfo=None)}


class RSVPForm(forms.Form):
    mode = forms.ChoiceField(label=_("I will join"), choices=RSVP.Mode.choices,
                             widget=forms.RadioSelect, initial=RSVP.Mode.ONSITE)


class TalkForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    speakers = forms.CharField(label=_("Speakers"), max_length=500,
                               help_text=_("Names separated by commas; no account needed."))
    abstract = forms.CharField(label=_("Abstract"), required=False,
                               widget=forms.Textarea(attrs={"rows": 5}), help_text=_("Markdown."))
    starts_at = forms.DateTimeField(label=_("Time"), widget=DateTimeLocalInput(), required=False)
    remote = forms.BooleanField(label=_("The speaker joins remotely"), required=False)

    def __init__(self, *args, event, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)

    def clean_starts_at(self):
        return _in_zone(self.cleaned_data.get("starts_at"), self.event.timezone)

    def clean(self):
        data = super().clean()
        data["speaker_names"] = [n.strip() for n in (data.get("speakers") or "")
                                 .replace("，", ",").split(",") if n.strip()]
        return data

    @classmethod
    def initial_for(cls, talk) -> dict:
        starts_at = None
        if talk.starts_at:
            starts_at = timezone.localtime(talk.starts_at, ZoneInfo(talk.event.timezone))
            starts_at = starts_at.replace(tzinfo=None)
        return {"title": talk.title, "abstract": talk.abstract, "starts_at": starts_at,
                "remote": talk.remote,
                "speakers": ", ".join(s.name for s in talk.speakers.all())}


class _EventTalkMixin:
    def _limit_talks(self, event) -> None:
        self.fields["talk"].queryset = Talk.objects.filter(event=event)


class RecordingForm(_EventTalkMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Recording.Kind.choices)
    provider = forms.ChoiceField(label=_("Provider"), choices=Recording.Provider.choices)
    url = forms.URLField(label=_("Link"), max_length=500)
    access_code = forms.CharField(label=_("Access code"), max_length=40, required=False,
                                  help_text=_("Only where the drive needs one."))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1,
                                          required=False)
    talk = forms.ModelChoiceField(label=_("Talk"), queryset=Talk.objects.none(), required=False)

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_talks(event)

    def clean(self):
        data = super().clean()
        minutes = data.get("duration_minutes")
        data["duration"] = timedelta(minutes=minutes) if minutes else None
        return data

    @classmethod
    def initial_for(cls, recording) -> dict:
        minutes = None
        if recording.duration:
            minutes = max(1, round(recording.duration.total_seconds() / 60))
        return {"title": recording.title, "kind": recording.kind,
                "provider": recording.provider, "url": recording.url,
                "access_code": recording.access_code, "duration_minutes": minutes,
                "talk": recording.talk_id}


class MaterialForm(_EventTalkMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Material.Kind.choices)
    url = forms.URLField(label=_("Link"), max_length=500, required=False)
    file = forms.FileField(
        label=_("File"), required=False,
        help_text=_("Slides: PDF, PowerPoint (.pptx, .ppt), OpenDocument (.odp), an image "
                    "or a .zip. Code: a UTF-8 text file or a .zip. Notebook: .ipynb. HTML, "
                    "SVG and JavaScript files are not accepted."))
    talk = forms.ModelChoiceField(label=_("Talk"), queryset=Talk.objects.none(), required=False)

    def __init__(self, *args, event, material=None, **kwargs):
        """``material``: the one being edited; its stored file counts as given."""
        self.has_file = bool(material is not None and material.file)
        super().__init__(*args, **kwargs)
        self._limit_talks(event)
        if self.has_file:
            self.fields["file"].help_text = _(
                "Leave empty to keep %(name)s; a new file replaces it.") % {
                "name": material.download_name}

    def clean(self):
        data = super().clean()
        if not data.get("url") and not data.get("file") and not self.has_file:
            raise forms.ValidationError(_("Give a link or upload a file."))
        return data

    @classmethod
    def initial_for(cls, material) -> dict:
        return {"title": material.title, "kind": material.kind, "url": material.url,
                "talk": material.talk_id}


class PhotoUploadForm(forms.Form):
    photos = MultipleFileField(label=_("Photos"),
                               help_text=_("Choose several files at once."))
    caption = forms.CharField(label=_("Caption"), max_length=300, required=False)


class CaptionForm(forms.Form):
    caption = forms.CharField(label=_("Caption"), max_length=300, required=False)


class WalkInsForm(forms.Form):
    onsite = forms.IntegerField(label=_("Counted at the door (not registered)"), min_value=0)
    online = forms.IntegerField(label=_("Counted online (not registered)"), min_value=0)


class PostForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    author = forms.CharField(label=_("Author"), max_length=120, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    categories = forms.CharField(label=_("Categories"), required=False,
                                 help_text=_("Separated by spaces."))
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by spaces."))
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 16}),
                           help_text=_("Markdown. Images keep their URLs."))


class PostImportForm(forms.Form):
    files = MultipleFileField(
        label=_("Markdown files"),
        widget=MultipleFileInput(attrs={"accept": ".md,.markdown,text/markdown"}),
        help_text=_("Posts as static-site blogs write them: YAML front matter (title, "
                    "description, author, categories, tags) and a Markdown body. A file "
                    "with the slug of an existing post updates that post."))


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search events, talks and posts"), max_length=100,
                        required=False)
