import pytest

from tests.events.factories import EventFactory, UserFactory


@pytest.fixture
def organiser(db):
    return UserFactory(username="org", roles=["organiser", "volunteer"])


@pytest.fixture
def other_organiser(db):
    return UserFactory(username="org2", roles=["organiser", "volunteer"])


@pytest.fixture
def member(db):
    return UserFactory(username="member", roles=["volunteer"])


@pytest.fixture
def event(organiser):
    return EventFactory(organisers=[organiser])


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]



@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Tasks queued by the services run in this process when their transaction commits
    (Celery's eager mode), so the locmem outbox sees their mail. The worker tests turn
    this off and start a real worker process."""
    from hub.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
