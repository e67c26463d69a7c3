from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A member of the community. Roles are groups (see :mod:`hub.roles`)."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    bio = models.TextField(_("about me"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True,
        help_text=_("The language of the site's emails; recorded at sign-up."),
    )
    email_verified = models.BooleanField(
        _("email address confirmed"), default=False,
        help_text=_("The member opened the confirmation link sent to this address; only "
                    "confirmed addresses get the site's emails."),
    )
    profile_public = models.BooleanField(
        _("public profile"), default=False,
        help_text=_("Show a public page of what you contributed (events, talks, photos, "
                    "models, projects) under your display name; never your email."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # one account per address, whatever its case
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""),
                                    name="hub_user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def has_role(self, role: str) -> bool:
        return self.is_active and (
            self.is_superuser or self.groups.filter(name=role).exists()
        )


class ProjectQuerySet(models.QuerySet):
    def public(self) -> ProjectQuerySet:
        return self.exclude(status=Project.Status.DRAFT)


class Project(models.Model):
    """A community project, such as DoIs, usually born at a meetup."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    summary = models.TextField(_("summary"), help_text=_("Markdown."))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    partner = models.CharField(_("partner organisation"), max_length=200, blank=True)
    partner_url = models.URLField(_("partner website"), blank=True)
    born_at = models.ForeignKey(
        "events.Event",
        verbose_name=_("born at meetup"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects_born",
    )
    started_on = models.DateField(_("started on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("hub:project_detail", kwargs={"slug": self.slug})


class ProjectUpdate(models.Model):
    """A dated entry in a project's log."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("project update")
        verbose_name_plural = _("project updates")

    def __str__(self) -> str:
        return f"{self.date}: {self.title}"


class WorkerHeartbeat(models.Model):
    """The last sign of life of a Celery worker, written by the worker itself."""

    hostname = models.CharField(max_length=255, unique=True)
    queues = models.JSONField(default=list)
    pid = models.IntegerField(null=True)
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["hostname"]

    def __str__(self) -> str:
        return self.hostname
