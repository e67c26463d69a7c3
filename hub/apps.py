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

# The events pages' extension points (events.extensions) and the module that fills
# each, imported by name as hub.credit imports the credit providers: events and dois
# never import each other. A provider whose app is not installed is left out.
EVENT_EXTENSIONS: dict[str, str] = {"challenge": "dois.board_events"}


def event_extensions_register() -> None:
    """Fill the events' extension points from the installed apps (called at start-up)."""
    from importlib import import_module

    from django.apps import apps

    if not apps.is_installed("events"):
        return
    from events import extensions

    module_name = EVENT_EXTENSIONS["challenge"]
    provider = None
    if apps.is_installed(module_name.split(".")[0]):
        try:
            provider = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name not in (module_name.split(".")[0], module_name):
                raise
    extensions.challenge_provider_register(provider=provider)


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Community hub")

    def ready(self) -> None:
        # Groups and their permissions are set-up data, kept in step after every migrate
        # (and after each flush between transactional tests).
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="hub-sync-roles")
        from hub import checks  # noqa: F401 - registers the deployment checks

        event_extensions_register()

        # Cache invalidation is the one thing signals do here (no business rules).
        for name, signal in (("save", post_save), ("delete", post_delete),
                             ("m2m", m2m_changed)):
            signal.connect(_content_changed, dispatch_uid=f"hub-page-cache-{name}")
