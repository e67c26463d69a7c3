from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """Registered only so that its messages are translated; it has no models."""

    name = "common"
    verbose_name = _("Shared helpers")
