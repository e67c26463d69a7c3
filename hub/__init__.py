"""The hub: the Django project that composes the events and dois apps."""

from hub.celery import app as celery_app

__all__ = ["celery_app"]
