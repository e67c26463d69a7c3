from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub.demo import DEMO_PASSWORD, demo_project_load, demo_users_load


class Command(BaseCommand):
    help = "Load the demo content (idempotent): accounts, events, projects, dolphins."

    def add_arguments(self, parser):
        parser.add_argument("--allow-production", action="store_true")

    def handle(self, *args, allow_production: bool, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("DEBUG is off: demo accounts have a known password. "
                               "Pass --allow-production if you really mean it.")
        users = demo_users_load()
        born_at = None
        for app in ("events", "dois"):
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError:
                continue
            result = module.load_demo(users=users, stdout=self.stdout)
            if app == "events" and result is not None:
                born_at = result
        demo_project_load(born_at=born_at)
        self.stdout.write(self.style.SUCCESS(
            f"Demo content loaded. Accounts: {', '.join(users)} (password {DEMO_PASSWORD!r})."))
