import pytest


@pytest.fixture(autouse=True)
def _no_broker(request, settings, monkeypatch):
    """Photos are queued on commit; the tests record sends instead of using a broker,
    except those marked ``worker``: they start a real worker on the real test broker
    (and get None here)."""
    from celery import current_app

    if request.node.get_closest_marker("worker"):
        return None
    sent = []
    monkeypatch.setattr(current_app, "send_task",
                        lambda name, args=None, queue=None, **kw: sent.append((name, args, queue)))
    return sent


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """A page fetched in Chinese leaves its language active in this thread: each test
    starts and ends in the default language, whatever ran before."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
