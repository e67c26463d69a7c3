"""Summary posts (Markdown with YAML front matter), each linked to its translation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models.events import PUBLIC_EVENT_STATUSES, Event, Tag


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
