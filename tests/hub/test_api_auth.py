import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIRequestFactory

from hub.api import BearerTokenAuthentication
from tests.hub.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_api_token_prints_a_token_that_authenticates(capsys):
    user = UserFactory(username="fieldscript")
    call_command("create_api_token", "fieldscript")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=user).key == key
    request = APIRequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {key}")
    authenticated, _ = BearerTokenAuthentication().authenticate(request)
    assert authenticated == user


def test_create_api_token_for_unknown_user_fails():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nobody"):
        call_command("create_api_token", "nobody")


def test_api_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
