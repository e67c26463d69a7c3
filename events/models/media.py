"""What an event leaves behind: recordings, materials (slides, code, notebooks) and
photos."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.files import RandomName
from events.models.events import Event, EventPartQuerySet
from events.models.programme import Talk


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
