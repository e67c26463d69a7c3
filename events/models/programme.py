"""The programme: speakers, talks with their ordered speakers, and members' proposals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.files import RandomName
from events.models.events import Event, EventPartQuerySet, in_reader_language, shown_language


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
    model_submission = models.PositiveIntegerField(
        _("model submission"), null=True, blank=True,
        help_text=_("The leaderboard submission the talk presents (its number); shown only "
                    "while anyone may see it on the board."))

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
    def title_lang(self) -> str | None:
        """``lang`` of the shown title where it is not the reader's (:func:`shown_language`)."""
        return shown_language(self.title, self.title_zh)

    @property
    def abstract_lang(self) -> str | None:
        return shown_language(self.abstract, self.abstract_zh)

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
