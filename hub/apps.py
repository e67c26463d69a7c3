from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
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


def _content_changed(sender, **kwargs) -> None:
    """Any write to the apps' data makes the anonymous page cache stale (on commit)."""
    from django.conf import settings

    from common.pagecache import page_cache_bump_on_commit

    meta = sender._meta
    if (meta.app_label in PAGE_CACHE_APPS
            and meta.label_lower not in settings.PAGE_CACHE_IGNORE_MODELS):
        page_cache_bump_on_commit()


PAGE_CACHE_APPS = {"hub", "events", "dois"}


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Community hub")

    def ready(self) -> None:
        # Groups and their permissions are set-up data, kept in step after every migrate
        # (and after each flush between transactional tests).
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="hub-sync-roles")
        from hub import checks  # noqa: F401 - registers the deployment checks

        # Cache invalidation is the one thing signals do here (no business rules).
        for name, signal in (("save", post_save), ("delete", post_delete),
                             ("m2m", m2m_changed)):
            signal.connect(_content_changed, dispatch_uid=f"hub-page-cache-{name}")
