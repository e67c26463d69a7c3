"""Schemathesis against the API's own schema (issue 14, item 7): every operation of
``/api/schema/``, with data that fits the schema and data that does not, anonymous and
with a token, with all of Schemathesis's checks; no failure is allowed.

Run through Django's WSGI application (no server), with throttling raised so the
hundreds of requests are not answered 429.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.dois.factories import IndividualFactory, PhotoFactory, UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = 10

@pytest.fixture
def api(settings):
    """The API as configured, throttling raised, the WSGI handler keeping the test's
    database connection open (as Django's test client does)."""
    from django.core import signals
    from django.db import close_old_connections
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    rates.update(anon="100000/minute", user="100000/minute", uploads="100000/hour")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    api_settings.reload()
    throttle_rates = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    cache.clear()
    researcher = UserFactory(username="res", roles=["researcher"])
    ind = IndividualFactory(code="PRE-0001")
    PhotoFactory(individual=ind, state="confirmed")
    PhotoFactory()
    yield researcher
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    SimpleRateThrottle.THROTTLE_RATES = throttle_rates


def _uploads_a_file(operation) -> bool:
    """Whether the operation takes a file (a photo, a TFLite model). No schema can say
    "a JPEG" or "a TFLite model", so no generated body is one: such operations are not
    held to accepting schema-valid data (every other check still runs on them)."""
    body = operation.definition.raw.get("requestBody", {})
    for media in body.get("content", {}).values():
        properties = media.get("schema", {}).get("properties", {})
        if "$ref" in media.get("schema", {}):
            name = media["schema"]["$ref"].rsplit("/", 1)[1]
            properties = (operation.schema.raw_schema["components"]["schemas"][name]
                          .get("properties", {}))
        if any(p.get("format") == "binary" for p in properties.values()):
            return True
    return False


def _operation_failures(operation, mode, headers) -> list[str]:
    """Run one operation in one generation mode; its failure (Hypothesis shrinks it to
    the simplest example), if any. An error of the harness itself is raised."""
    found: list[str] = []

    excluded = [positive_data_acceptance] if _uploads_a_file(operation) else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @hsettings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
               suppress_health_check=list(HealthCheck))
    def check(case):
        try:
            case.call_and_validate(headers=headers, excluded_checks=excluded)
        except BaseException as exc:
            found.append(f"{operation.label} [{mode}]: {exc}"[:3000])
            raise

    try:
        check()
    except (KeyboardInterrupt, SystemExit):
        raise
    except Unsatisfiable:
        # no data can break this operation's schema (no parameters, no body): there is
        # no negative case, as Schemathesis's own runner skips it
        assert mode == GenerationMode.NEGATIVE, operation.label
    except BaseException:
        if not found:  # not a failure Schemathesis reported: a broken test
            raise
    return found[-1:]


def schema_failures(*, headers: dict | None = None) -> list[str]:
    """Every operation of the schema in both generation modes; the failures found."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # the schema loaded (dois, events, members, models)
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _operation_failures(operation, mode, headers)
    return failures


def test_the_api_conforms_to_its_schema_anonymously(api):
    failures = schema_failures()
    assert not failures, "\n\n".join(failures)


def test_the_api_conforms_to_its_schema_with_a_token(api):
    token = Token.objects.create(user=api)
    failures = schema_failures(headers={"Authorization": f"Bearer {token.key}"})
    assert not failures, "\n\n".join(failures)


# --- the defects Schemathesis found, one by one ------------------------------------------

def _schema(client) -> dict:
    return client.get("/api/schema/", {"format": "json"}).json()


def test_nullable_fields_are_nullable_in_the_schema(api, client):
    components = _schema(client)["components"]["schemas"]
    assert components["Individual"]["properties"]["merged_into"]["nullable"] is True
    for name in ("individual", "proposed_individual"):
        assert components["Photo"]["properties"][name]["nullable"] is True


def test_error_answers_are_documented(api, client):
    paths = _schema(client)["paths"]
    photo_list = paths["/api/v1/photos/"]["get"]["responses"]
    assert {"200", "400", "401", "404", "429"} <= set(photo_list)
    assert {"201", "400", "401", "403", "429"} <= set(
        paths["/api/v1/photos/"]["post"]["responses"])
    assert {"200", "401", "404", "429"} <= set(
        paths["/api/v1/jobs/{id}/"]["get"]["responses"])


def test_photos_may_be_read_without_a_login_and_the_schema_says_so(api, client):
    paths = _schema(client)["paths"]
    assert {} in paths["/api/v1/photos/"]["get"]["security"]
    assert {} not in paths["/api/v1/photos/"]["post"]["security"]
    assert client.get("/api/v1/photos/").status_code == 200
    assert client.post("/api/v1/photos/", {}).status_code == 401


@pytest.mark.parametrize("path", [
    "/api/v1/jobs/abc/", "/api/v1/jobs/99999999999999999999999/", "/api/v1/jobs/1.5/",
    "/api/v1/photos/abc/", "/api/v1/photos/1.5/", "/api/v1/sightings/x.y/",
    "/api/v1/individuals/PRE-9999/", "/api/v1/individuals/a.b/",
    "/api/v1/events/no.such.event/", "/api/v1/posts/%C2%A2/"])
def test_unknown_ids_are_json_404s(api, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_empty_page_and_filters_are_refused(api, client):
    assert client.get("/api/v1/individuals/", {"page": ""}).status_code == 404
    assert client.get("/api/v1/individuals/", {"page": "1"}).status_code == 200
    response = client.get("/api/v1/posts/", {"language": ""})
    assert response.status_code == 400 and "language" in response.json()
    response = client.get("/api/v1/sightings/", {"area": ""})
    assert response.status_code == 400 and "area" in response.json()
