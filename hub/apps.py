from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs) -> None:
    # post_migrate is sent once per app, and each app's permissions are created by its
    # own signal: sync after the last app with models, when every permission exists.
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if with_models and sender is not with_models[-1]:
        return
    from hub.services import roles_sync

    roles_sync(using=kwargs.get("using", "default"))


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Community hub")

    def ready(self) -> None:
        # Groups and their permissions are set-up data, kept in step after every migrate
        # (and after each flush between transactional tests).
        post_migrate.connect(_sync_roles, dispatch_uid="hub-sync-roles")
