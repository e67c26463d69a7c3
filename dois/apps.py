from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DoisConfig(AppConfig):
    name = "dois"
    verbose_name = _("DoIs: dolphin identification")

    def ready(self) -> None:
        from dois import worker

        worker.signals_connect()
