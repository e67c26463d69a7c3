"""Meetups and everything around them: series, venues, talks, speakers, RSVPs,
recordings, materials, photos and summary posts.

Models hold data, QuerySet methods and URLs only; every rule lives in
:mod:`events.services` and every shared read in :mod:`events.selectors`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.files import RandomName


def in_reader_language(english: str, chinese: str) -> str:
    """The text in the active language, falling back to the other version.

    Content fields come in pairs: the plain field (``title``) is the English version, or
    the only one; ``title_zh`` is the Chinese version. A Chinese reader gets the Chinese
    version where there is one, an English reader the English one where there is one.
    """
    if (get_language() or "").startswith("zh"):
        return chinese or english
    return english or chinese


# An event is public once published, and stays public when cancelled (its page says so).
# Everything that belongs to an event is public exactly when its event is: every page,
# feed, calendar, search and API reads through the ``public()`` methods below.
PUBLIC_EVENT_STATUSES = ("published", "cancelled")


class TagQuerySet(models.QuerySet):
    def public(self) -> TagQuerySet:
        """Tags of at least one public event or public post."""
        return self.filter(
            Exists(Event.objects.public().filter(tags=OuterRef("pk")))
            | Exists(Post.objects.public().filter(tags=OuterRef("pk"))))


class Tag(models.Model):
    slug = models.SlugField(_("slug"), unique=True, max_length=60, allow_unicode=True)
    name = models.CharField(_("name"), max_length=60)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:tag", kwargs={"slug": self.slug})


class SeriesQuerySet(models.QuerySet):
    def public(self) -> SeriesQuerySet:
        """Series with at least one public event."""
        return self.filter(Exists(Event.objects.public().filter(series=OuterRef("pk"))))


class Series(models.Model):
    """Events that belong together, e.g. the monthly meetup."""

    slug = models.SlugField(_("slug"), unique=True, max_length=120, allow_unicode=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    objects = SeriesQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:series", kwargs={"slug": self.slug})


class VenueQuerySet(models.QuerySet):
    def current(self) -> VenueQuerySet:
        """Venues an event can pick: not replaced by a newer version or merged away."""
        return self.filter(replaced_by__isnull=True)


class Venue(models.Model):
    """A place where events happen, with its own page.

    An edit never rewrites history: when a venue that past events used is edited, the
    edit is saved as a new venue (``replaced_by`` links the old row to it) and only the
    events that have not ended move to it; the past events keep the row they had. A
    merge works the same way (see :mod:`events.services_venues`).
    """

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6,
                                   null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6,
                                    null=True, blank=True)
    directions = models.TextField(_("transit directions"), blank=True,
                                  help_text=_("Markdown."))
    map_url = models.URLField(_("map link"), blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="earlier",
        verbose_name=_("replaced by"),
        help_text=_("The newer version of this venue; past events keep this one."))
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    objects = VenueQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:venue", kwargs={"pk": self.pk})

    @property
    def is_current(self) -> bool:
        return self.replaced_by_id is None

    @property
    def map_link(self) -> str:
        """The organiser's map link, or an OpenStreetMap link to the coordinates."""
        if self.map_url:
            return self.map_url
        if self.latitude is not None and self.longitude is not None:
            return (f"https://www.openstreetmap.org/?mlat={self.latitude}"
                    f"&mlon={self.longitude}#map=17/{self.latitude}/{self.longitude}")
        return ""


class EventQuerySet(models.QuerySet):
    def public(self) -> EventQuerySet:
        """Published and cancelled events: never drafts."""
        return self.filter(status__in=PUBLIC_EVENT_STATUSES)


class EventPartQuerySet(models.QuerySet):
    """Talks, recordings, materials and photos: public when their event is."""

    def public(self):
        return self.filter(event__status__in=PUBLIC_EVENT_STATUSES)


class Event(models.Model):
    """A meetup."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    slug = models.SlugField(_("slug"), unique=True, max_length=120, allow_unicode=True)
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False,
                           help_text=_("Identifies the event in calendars, whatever the "
                                       "site's address."))
    title = models.CharField(_("title"), max_length=200,
                             help_text=_("In English, or the only title."))
    title_zh = models.CharField(_("title in Chinese"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True,
                                   help_text=_("Markdown. In English, or the only one."))
    description_zh = models.TextField(_("description in Chinese"), blank=True,
                                      help_text=_("Markdown."))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="organised_events",
        verbose_name=_("organisers"),
    )
    series = models.ForeignKey(Series, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="events", verbose_name=_("series"))
    venue = models.ForeignKey(Venue, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="events", verbose_name=_("venue"))
    capacity = models.PositiveIntegerField(
        _("capacity on site"), null=True, blank=True,
        help_text=_("Seats on site. Empty means no limit. Online places are unlimited."),
    )
    stream_url = models.URLField(
        _("online stream link"), blank=True,
        help_text=_("Shown only to members who RSVP'd online, until the event ends."))
    rsvp_deadline = models.DateTimeField(
        _("RSVP deadline"), null=True, blank=True,
        help_text=_("After this, no new RSVPs; empty means until the event starts."))
    max_guests = models.PositiveSmallIntegerField(
        _("guests per RSVP"), default=0,
        help_text=_("How many guests (+N) a member may bring on site; they take seats."))
    tags = models.ManyToManyField(Tag, blank=True, related_name="events",
                                  verbose_name=_("tags"))
    walk_ins_onsite = models.PositiveIntegerField(
        _("counted at the door"), default=0,
        help_text=_("People on site who never registered."))
    walk_ins_online = models.PositiveIntegerField(
        _("counted online"), default=0,
        help_text=_("People online who never registered."))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        permissions = [
            ("manage_event", _("Can manage the events one organises")),
            ("publish_event", _("Can publish and cancel events")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"slug": self.slug})

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_EVENT_STATUSES

    @property
    def display_title(self) -> str:
        """The title in the reader's language (the other version if there is none)."""
        return in_reader_language(self.title, self.title_zh)

    @property
    def display_description(self) -> str:
        return in_reader_language(self.description, self.description_zh)

    @property
    def in_site_zone(self) -> bool:
        """Whether the event's time zone is the site's (pages then omit it)."""
        return self.timezone == settings.TIME_ZONE


class SpeakerQuerySet(models.QuerySet):
    def public(self) -> SpeakerQuerySet:
        """Speakers with at least one talk at a public event."""
        return self.filter(Exists(Talk.objects.public().filter(speakers=OuterRef("pk"))))


class Speaker(models.Model):
    """Someone who gives a talk; may have no account."""

    slug = models.SlugField(_("slug"), unique=True, max_length=120, allow_unicode=True)
    name = models.CharField(_("name"), max_length=200)
    bio = models.TextField(_("bio"), blank=True, help_text=_("Markdown."))
    url = models.URLField(_("website"), blank=True)
    photo = models.ImageField(_("photo"), upload_to=RandomName("events/speakers"), blank=True,
                              max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="speaker_profiles",
                             verbose_name=_("account"))

    objects = SpeakerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:speaker", kwargs={"slug": self.slug})

    @property
    def photo_url(self) -> str:
        """The photo through the view that checks who may see it ("" if none)."""
        if not self.photo:
            return ""
        return reverse("events:speaker_photo", kwargs={"slug": self.slug})


class Talk(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="talks",
                              verbose_name=_("event"))
    title = models.CharField(_("title"), max_length=200,
                             help_text=_("In English, or the only title."))
    title_zh = models.CharField(_("title in Chinese"), max_length=200, blank=True)
    abstract = models.TextField(_("abstract"), blank=True,
                                help_text=_("Markdown. In English, or the only one."))
    abstract_zh = models.TextField(_("abstract in Chinese"), blank=True,
                                   help_text=_("Markdown."))
    speakers = models.ManyToManyField(Speaker, related_name="talks", verbose_name=_("speakers"),
                                      through="TalkSpeaker")
    starts_at = models.DateTimeField(_("time"), null=True, blank=True)

    objects = EventPartQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("talk")
        verbose_name_plural = _("talks")

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        return in_reader_language(self.title, self.title_zh)

    @property
    def display_abstract(self) -> str:
        return in_reader_language(self.abstract, self.abstract_zh)

    @property
    def lineup(self) -> list[TalkSpeaker]:
        """The speakers in their order, each with whether they join remotely (uses the
        prefetched ``talk_speakers`` when there is one)."""
        return sorted(self.talk_speakers.all(), key=lambda ts: (ts.position, ts.pk))

    @property
    def remote(self) -> bool:
        """Whether any speaker joins remotely."""
        return any(ts.remote for ts in self.talk_speakers.all())


class TalkSpeaker(models.Model):
    """A speaker of a talk: the order in which they are named, and whether they join
    remotely (a talk can have one speaker in the room and one on a video call)."""

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="talk_speakers")
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="talk_roles")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    remote = models.BooleanField(_("joins remotely"), default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("speaker of a talk")
        verbose_name_plural = _("speakers of talks")
        constraints = [
            models.UniqueConstraint(fields=["talk", "speaker"], name="events_talk_speaker_once"),
        ]

    def __str__(self) -> str:
        return f"{self.speaker} @ {self.talk}"


class RSVP(models.Model):
    class Mode(models.TextChoices):
        ONSITE = "onsite", _("On site")
        ONLINE = "online", _("Online")

    class Status(models.TextChoices):
        GOING = "going", _("Going")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps",
                              verbose_name=_("event"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="rsvps", verbose_name=_("member"))
    mode = models.CharField(_("attends"), max_length=10, choices=Mode.choices,
                            default=Mode.ONSITE)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    guests = models.PositiveSmallIntegerField(
        _("guests"), default=0, help_text=_("People the member brings on site (+N)."))
    wants_onsite = models.BooleanField(
        _("waiting for a seat"), default=False,
        help_text=_("Going online and waiting for a seat on site: the seat is given when "
                    "one becomes free, in waitlist order."))
    language = models.CharField(
        _("language"), max_length=10, blank=True,
        help_text=_("The site's language when the member answered (for email when the "
                    "member has not chosen one)."))
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True, null=True)
    waitlisted_at = models.DateTimeField(_("joined the waitlist at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="events_rsvp_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.event} ({self.status})"

    @property
    def seats(self) -> int:
        """Seats this answer takes on site when going: the member and their guests."""
        return 1 + self.guests

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED


class Recording(models.Model):
    class Kind(models.TextChoices):
        AUDIO = "audio", _("Audio")
        VIDEO = "video", _("Video")
        LIVESTREAM = "livestream", _("Live-stream replay")

    class Provider(models.TextChoices):
        YOUTUBE = "youtube", _("YouTube")
        BILIBILI = "bilibili", _("Bilibili")
        DRIVE = "drive", _("Cloud drive")
        OTHER = "other", _("Other")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="recordings",
                              verbose_name=_("event"))
    talk = models.ForeignKey(Talk, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="recordings", verbose_name=_("talk"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.VIDEO)
    provider = models.CharField(_("provider"), max_length=12, choices=Provider.choices,
                                default=Provider.OTHER)
    url = models.URLField(_("link"), max_length=500)
    access_code = models.CharField(_("access code"), max_length=40, blank=True,
                                   help_text=_("Only where the drive needs one."))
    duration = models.DurationField(_("duration"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventPartQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")

    def __str__(self) -> str:
        return self.title

    @property
    def embed_url(self) -> str:
        from events.embed import embed_url

        return embed_url(provider=self.provider, url=self.url)


def _material_path(instance: Material, filename: str) -> str:
    """Kept for the migrations that name it; new files get unguessable names."""
    return f"events/{instance.event_id}/materials/{filename}"


def _photo_path(instance: Photo, filename: str) -> str:
    """Kept for the migrations that name it; new files get unguessable names."""
    return f"events/{instance.event_id}/photos/{filename}"


def _thumb_path(instance: Photo, filename: str) -> str:
    """Kept for the migrations that name it; new files get unguessable names."""
    return f"events/{instance.event_id}/thumbs/{filename}"


class Material(models.Model):
    """Slides, code or a notebook: a link, a stored file, or both.

    A stored file passed :func:`events.filetypes.material_check`; it is stored under an
    unguessable name whose extension is that of the type found in its content, and it is
    served only by ``events:material_file`` after a visibility check.
    """

    class Kind(models.TextChoices):
        SLIDES = "slides", _("Slides")
        CODE = "code", _("Code")
        NOTEBOOK = "notebook", _("Jupyter notebook")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials",
                              verbose_name=_("event"))
    talk = models.ForeignKey(Talk, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="materials", verbose_name=_("talk"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to=RandomName("events/materials"), blank=True,
                            max_length=200)
    filename = models.CharField(_("file name"), max_length=200, blank=True,
                                help_text=_("The name the file is downloaded as."))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventPartQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The rendered notebook's page."""
        return reverse("events:material", kwargs={"slug": self.event.slug, "pk": self.pk})

    @property
    def file_url(self) -> str:
        """The stored file, through the view that checks who may see it ("" if none)."""
        if not self.file:
            return ""
        return reverse("events:material_file", kwargs={"slug": self.event.slug, "pk": self.pk})

    @property
    def download_name(self) -> str:
        return self.filename or self.file.name.rsplit("/", 1)[-1]

    @property
    def is_rendered_notebook(self) -> bool:
        return self.kind == self.Kind.NOTEBOOK and bool(self.file)


class Photo(models.Model):
    """An event photo: an upload re-encoded without EXIF, with its thumbnail, or a link to
    an image hosted elsewhere (``external_url``).

    Stored images are served only by ``events:photo`` and ``events:photo_thumb`` after a
    visibility check. ``sha256`` is the hash of the uploaded bytes: an event never holds
    the same upload twice.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos",
                              verbose_name=_("event"))
    image = models.ImageField(_("photo"), upload_to=RandomName("events/photos"), blank=True,
                              width_field="width", height_field="height", max_length=200)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=RandomName("events/thumbs"),
                                  blank=True, max_length=200)
    external_url = models.URLField(_("external image link"), max_length=500, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256 of the upload"), max_length=64, blank=True,
                              editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventPartQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [
            models.UniqueConstraint(fields=["event", "sha256"], condition=~Q(sha256=""),
                                    name="events_photo_once_per_event"),
        ]

    def __str__(self) -> str:
        return self.caption or f"photo {self.pk}"

    @property
    def src(self) -> str:
        """The full image: the serving view's URL, or the external link."""
        if self.image:
            return reverse("events:photo", kwargs={"slug": self.event.slug, "pk": self.pk})
        return self.external_url

    @property
    def thumb_src(self) -> str:
        if self.thumbnail:
            return reverse("events:photo_thumb",
                           kwargs={"slug": self.event.slug, "pk": self.pk})
        return self.src


class PostQuerySet(models.QuerySet):
    def public(self) -> PostQuerySet:
        """Posts of no event, or of a public event: a draft's summary waits for it."""
        return self.filter(Q(event__isnull=True) | Q(event__status__in=PUBLIC_EVENT_STATUSES))

    def for_reader(self, language: str) -> PostQuerySet:
        """One post per translation pair: the reader's language where the pair has it,
        the other version otherwise; posts without a translation are all kept."""
        return self.exclude(~Q(language=language) & Q(translation__language=language))


class Post(models.Model):
    """A summary post (Markdown with YAML front matter, like a static-site blog)."""

    slug = models.SlugField(_("slug"), unique=True, max_length=160, allow_unicode=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.CharField(_("description"), max_length=300, blank=True)
    author = models.CharField(_("author"), max_length=120, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts", verbose_name=_("tags"))
    body = models.TextField(_("body"), help_text=_("Markdown."))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES,
                                default="en")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="posts", verbose_name=_("event"))
    translation = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("translation"),
        help_text=_("The same post in the other language (each points at the other)."))
    published_at = models.DateTimeField(_("published at"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        permissions = [("import_posts", _("Can import posts"))]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:post", kwargs={"slug": self.slug})


class Mail(models.Model):
    """One email to one member, sent by its own Celery task (``events.tasks.mail_send``).

    The row is written in the transaction that causes the mail, and the task is queued
    when that transaction commits. The task renders the mail in the member's language
    when it runs and records ``sent_at``, so running it twice sends once. A cancellation
    and a reminder exist at most once per member and event.
    """

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("RSVP confirmation")
        WAITLISTED = "waitlisted", _("On the waitlist")
        PROMOTED = "promoted", _("A seat became free")
        REMINDER = "reminder", _("Reminder the day before")
        CANCELLED = "cancelled", _("Event cancelled")
        PROPOSAL_ACCEPTED = "proposal_accepted", _("Talk proposal accepted")
        PROPOSAL_DECLINED = "proposal_declined", _("Talk proposal declined")
        PROPOSAL_RECEIVED = "proposal_received", _("New talk proposal")

    ONCE_PER_EVENT = (Kind.CANCELLED, Kind.REMINDER)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="event_mails", verbose_name=_("member"))
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="mails",
                              verbose_name=_("event"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    proposal = models.ForeignKey("TalkProposal", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="mails")
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user", "kind"], condition=Q(kind__in=["cancelled", "reminder"]),
                name="events_mail_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.user} ({self.event})"


class TalkProposalQuerySet(models.QuerySet):
    def open(self) -> TalkProposalQuerySet:
        return self.filter(status=TalkProposal.Status.SUBMITTED)


class TalkProposal(models.Model):
    """A member's proposal of a talk for an upcoming event; organisers accept it (it
    joins the programme as a talk) or decline it, with a message to the member."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="proposals",
                              verbose_name=_("event"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="talk_proposals", verbose_name=_("member"))
    title = models.CharField(_("title"), max_length=200)
    abstract = models.TextField(_("abstract"), help_text=_("Markdown."))
    remote = models.BooleanField(_("I would join remotely"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.SUBMITTED)
    message = models.TextField(_("message to the member"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    talk = models.OneToOneField(Talk, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="proposal", verbose_name=_("talk"))
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)

    objects = TalkProposalQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("talk proposal")
        verbose_name_plural = _("talk proposals")

    def __str__(self) -> str:
        return self.title
