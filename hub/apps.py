from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs) -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from hub.services import roles_sync

    using = kwargs.get("using", "default")
    # The hub migrates first: make every app's permissions exist before the groups get them.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    roles_sync(using=using)


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Community hub")

    def ready(self) -> None:
        # Groups and their permissions are set-up data, kept in step after every migrate
        # (and after each flush between transactional tests).
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="hub-sync-roles")
        from hub import checks  # noqa: F401 - registers the deployment checks
