"""Forms: input of the organiser and member pages. Rules stay in the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import RSVP, Material, Post, Recording, Series, Talk, Venue

# Django's label for "nothing chosen", translated here (Django has no Chinese for it yet).
EMPTY_CHOICE = _("- Select an option -")
REMOTE_MARKERS = ("(remote)", "（远程）", "(远程)")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _in_zone(value: datetime | None, zone: str, field: str = "starts_at") -> datetime | None:
    """Read a wall-clock time typed by an organiser as a time in the event's zone; a
    time that does not exist there (the hour skipped at a daylight-saving change) is
    refused with the reason, never silently moved."""
    from events.services import local_time_check

    if value is None:
        return None
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return local_time_check(value=naive, zone=zone, field=field)


def _zoned(form, names: tuple[str, ...], zone: str) -> None:
    for name in names:
        try:
            form.cleaned_data[name] = _in_zone(form.cleaned_data.get(name), zone, name)
        except forms.ValidationError as exc:
            form.add_error(name, exc.message_dict[name])
            form.cleaned_data[name] = None


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
        _zoned(self, ("starts_at", "ends_at", "rsvp_deadline"), zone)
        data = self.cleaned_data
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        data["max_guests"] = data.get("max_guests") or 0
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
        _zoned(self, ("starts_at",), self.event.timezone)
        return self.cleaned_data

    @classmethod
    def initial_for(cls, event) -> dict:
        zone = ZoneInfo(event.timezone)
        nxt = timezone.localtime(event.starts_at, zone) + timedelta(days=28)
        return {"title": event.title, "starts_at": nxt.replace(tzinfo=None)}


class RSVPForm(forms.Form):
    mode = forms.ChoiceField(label=_("I will join"), choices=RSVP.Mode.choices,
                             widget=forms.RadioSelect, initial=RSVP.Mode.ONSITE)
    guests = forms.IntegerField(label=_("Guests I bring (on site)"), min_value=0,
                                max_value=20, initial=0, required=False)

    def clean_guests(self):
        return self.cleaned_data.get("guests") or 0


def _lineup_parse(text: str) -> tuple[list[str], list[str]]:
    """One speaker a line (or comma-separated), in order; "(remote)" or "（远程）" after a
    name marks a speaker who joins remotely."""
    names, remote = [], []
    for raw in text.replace("，", ",").replace("\r", "").replace(",", "\n").split("\n"):
        name = raw.strip()
        is_remote = False
        for marker in REMOTE_MARKERS:
            if name.lower().endswith(marker):
                name, is_remote = name[: -len(marker)].strip(), True
        if name:
            names.append(name)
            if is_remote:
                remote.append(name)
    return names, remote


class TalkForm(forms.Form):
    title = forms.CharField(label=_("Title (English)"), max_length=200,
                            help_text=_("Or the only title, in any language."))
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200, required=False)
    speakers = forms.CharField(
        label=_("Speakers"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line, in order; no account needed. Add “(remote)” after a name "
                    "who joins remotely."))
    abstract = forms.CharField(label=_("Abstract (English)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 5}), help_text=_("Markdown."))
    abstract_zh = forms.CharField(label=_("Abstract (Chinese)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=_("Markdown."))
    starts_at = forms.DateTimeField(label=_("Time"), widget=DateTimeLocalInput(), required=False,
                                    help_text=_("In the event's time zone."))

    def __init__(self, *args, event, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        _zoned(self, ("starts_at",), self.event.timezone)
        data = self.cleaned_data
        data["speaker_names"], data["remote_speakers"] = _lineup_parse(data.get("speakers") or "")
        return data

    @classmethod
    def initial_for(cls, talk) -> dict:
        starts_at = None
        if talk.starts_at:
            starts_at = timezone.localtime(talk.starts_at, ZoneInfo(talk.event.timezone))
            starts_at = starts_at.replace(tzinfo=None)
        lines = [f"{ts.speaker.name} (remote)" if ts.remote else ts.speaker.name
                 for ts in talk.lineup]
        return {"title": talk.title, "abstract": talk.abstract, "starts_at": starts_at,
                "title_zh": talk.title_zh, "abstract_zh": talk.abstract_zh,
                "speakers": "\n".join(lines)}


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
    talk = forms.ModelChoiceField(label=_("Talk"), queryset=Talk.objects.none(), required=False,
                                  empty_label=EMPTY_CHOICE)

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
    talk = forms.ModelChoiceField(label=_("Talk"), queryset=Talk.objects.none(), required=False,
                                  empty_label=EMPTY_CHOICE)

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
    translation = forms.ModelChoiceField(
        label=_("The same post in the other language"), queryset=Post.objects.none(),
        required=False, empty_label=EMPTY_CHOICE)

    def __init__(self, *args, event, post=None, **kwargs):
        super().__init__(*args, **kwargs)
        others = event.posts.all()
        if post is not None:
            others = others.exclude(pk=post.pk)
        self.fields["translation"].queryset = others.order_by("-published_at")


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


class VenueForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6,
                                  min_value=-90, max_value=90, required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6,
                                   min_value=-180, max_value=180, required=False)
    directions = forms.CharField(label=_("Transit directions"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text=_("Markdown."))
    map_url = forms.URLField(label=_("Map link"), required=False)

    @classmethod
    def initial_for(cls, venue) -> dict:
        return {name: getattr(venue, name) for name in
                ("name", "address", "latitude", "longitude", "directions", "map_url")}


class VenueMergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(label=_("Merge this venue into the one shown"),
                                       queryset=Venue.objects.none(), empty_label=EMPTY_CHOICE)

    def __init__(self, *args, keep, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].queryset = Venue.objects.current().exclude(pk=keep.pk)


class SpeakerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    bio = forms.CharField(label=_("Bio"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
                          help_text=_("Markdown."))
    url = forms.URLField(label=_("Website"), required=False)
    photo = forms.ImageField(label=_("Photo"), required=False,
                             help_text=_("JPEG, PNG or WebP; stored without EXIF."))
    photo_clear = forms.BooleanField(label=_("Remove the photo"), required=False)
    username = forms.CharField(label=_("Linked account (username)"), max_length=150,
                               required=False,
                               help_text=_("The member who is this speaker; empty for none."))

    def __init__(self, *args, can_link: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_link:
            del self.fields["username"]

    @classmethod
    def initial_for(cls, speaker) -> dict:
        return {"name": speaker.name, "bio": speaker.bio, "url": speaker.url,
                "username": speaker.user.get_username() if speaker.user else ""}


class OrganiserForm(forms.Form):
    username = forms.CharField(label=_("Add an organiser (username)"), max_length=150)


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    abstract = forms.CharField(label=_("Abstract"), widget=forms.Textarea(attrs={"rows": 6}),
                               help_text=_("What you will show, for whom; Markdown."))
    remote = forms.BooleanField(label=_("I would join remotely"), required=False)


class ProposalDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"),
                                 choices=[("accept", _("Accept")), ("decline", _("Decline"))],
                                 widget=forms.RadioSelect)
    message = forms.CharField(label=_("Message to the member"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
