from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Print what this install uses: database, broker, media, model."

    def handle(self, *args, **options):
        db = connection.settings_dict
        where = db["NAME"]
        if connection.vendor != "sqlite":
            where = f"{db['HOST']}:{db['PORT']}/{db['NAME']}"
        broker = settings.CELERY_BROKER_URL
        if broker.startswith("filesystem://"):
            broker = f"filesystem folder {settings.CELERY_BROKER_DIR}"
        else:
            broker = broker.split("@")[-1]  # never print a password
        media = settings.MEDIA_ROOT if settings.MEDIA_STORAGE == "filesystem" else ""
        lines = [
            f"database: {connection.vendor} {where}",
            f"broker:   {broker}",
            f"media:    {settings.MEDIA_STORAGE} {media}",
            f"model:    {settings.DOIS_MODEL_PATH}",
            f"debug:    {settings.DEBUG}; time zone {settings.TIME_ZONE}",
        ]
        self.stdout.write("\n".join(lines))
