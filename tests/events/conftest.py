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
def _english():
    """Requests leave their language active in the thread; start each test in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()
