"""Events (meetups), their series and tags, and what "public" means for everything that
belongs to an event."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from events.models.venues import Venue


def _mostly_chinese(text: str) -> bool:
    """Whether a text reads as Chinese: a Han character carries about as much as three
    Latin letters, so "TensorFlow 2.0 新特性介绍" is Chinese and "Meetup at 上海" English."""
    han = sum("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    return han > 0 and 3 * han >= latin


def in_reader_language(english: str, chinese: str) -> str:
    """The text in the active language, falling back to the other version.

    Content fields come in pairs: the plain field (``title``) is the English version, or
    the only one; ``title_zh`` is the Chinese version. A Chinese reader gets the Chinese
    version where there is one, an English reader the English one where there is one.
    """
    if (get_language() or "").startswith("zh"):
        return chinese or english
    return english or chinese


def shown_language(english: str, chinese: str) -> str | None:
    """The language code of what :func:`in_reader_language` shows, where it is not the
    reader's (the page marks it with ``lang`` so screen readers and fonts follow it);
    None where it is the reader's language or there is no text.

    A ``_zh`` version is Chinese. The plain field is English or the only version, so
    it counts as Chinese when it reads as Chinese (mostly Han characters).
    """
    reader_zh = (get_language() or "").startswith("zh")
    if reader_zh and chinese:
        return None
    if english:
        shown_zh = _mostly_chinese(english)
    elif chinese:
        shown_zh = True
    else:
        return None
    if shown_zh == reader_zh:
        return None
    return "zh-hans" if shown_zh else "en"


# An event is public once published, and stays public when cancelled (its page says so).
# Everything that belongs to an event is public exactly when its event is: every page,
# feed, calendar, search and API reads through the ``public()`` methods below.
PUBLIC_EVENT_STATUSES = ("published", "cancelled")

class TagQuerySet(models.QuerySet):
    def public(self) -> TagQuerySet:
        """Tags of at least one public event or public post."""
        from events.models.posts import Post  # posts import this module

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
    model_night = models.BooleanField(
        _("model night"), default=False,
        help_text=_("The event hosts a model challenge: its page shows the leaderboard of "
                    "the models submitted during the challenge window."))
    challenge_opens_at = models.DateTimeField(
        _("challenge opens at"), null=True, blank=True,
        help_text=_("Submissions count from this time; empty means when the event starts."))
    challenge_closes_at = models.DateTimeField(
        _("challenge closes at"), null=True, blank=True,
        help_text=_("Submissions count until this time; empty means when the event ends."))
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
    def title_lang(self) -> str | None:
        """``lang`` of the shown title where it is not the reader's (:func:`shown_language`)."""
        return shown_language(self.title, self.title_zh)

    @property
    def description_lang(self) -> str | None:
        return shown_language(self.description, self.description_zh)

    @property
    def challenge_window(self) -> tuple | None:
        """A model night's window ``(opens, closes)``: submissions made from ``opens``
        (included) to ``closes`` (excluded) are on its board; ``None`` if the event hosts
        no challenge."""
        if not self.model_night:
            return None
        return (self.challenge_opens_at or self.starts_at,
                self.challenge_closes_at or self.ends_at)

    @property
    def in_site_zone(self) -> bool:
        """Whether the event's time zone is the site's (pages then omit it)."""
        return self.timezone == settings.TIME_ZONE
