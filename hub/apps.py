from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs) -> None:
    from hub.services import roles_sync

    roles_sync(using=kwargs.get("using", "default"))


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Community hub")

    def ready(self) -> None:
        # Groups and their permissions are set-up data, kept in step after every migrate
        # (and after each flush between transactional tests).
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="hub-sync-roles")
