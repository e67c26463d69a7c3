"""The shipped model versions (dois.services.model_versions): made on the first job,
the edge method by default, the appearance model when configured."""

from __future__ import annotations

import pytest

from dois import services
from dois.models import ModelVersion
from tests.dois.factories import PhotoFactory

pytestmark = pytest.mark.django_db


def test_first_job_creates_the_shipped_version_and_is_sent_alone_on_commit(
        settings, tiny_model_path, _no_broker, django_capture_on_commit_callbacks):
    settings.DOIS_MODEL_PATH = str(tiny_model_path)
    assert settings.DOIS_METHOD == "edge"  # the site's default: the fin's outline
    assert not ModelVersion.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.identification_job_create(photo=PhotoFactory())
    version = ModelVersion.objects.get(is_active=True)
    from dois.ml.edges import EDGE_METHOD_VERSION

    assert version.kind == "edge"
    assert version.name == f"{EDGE_METHOD_VERSION}/outline-1+fin-segmenter-1"
    # the appearance model is registered beside it, inactive but selectable
    other = ModelVersion.objects.get(is_active=False)
    assert (other.kind, other.name, other.input_size, other.embedding_dim) == (
        "appearance", "tiny-t1", 64, 32)
    assert job.model_version == version and job.status == "queued"
    assert _no_broker == [("dois.tasks.identify_photo", [job.pk], "identify")]
    job.refresh_from_db()
    assert job.sent_at is not None
    # a second call is idempotent
    assert services.model_version_ensure_shipped() == version
    assert ModelVersion.objects.count() == 2


def test_appearance_is_served_when_configured(settings, tiny_model_path):
    settings.DOIS_METHOD = "appearance"
    settings.DOIS_MODEL_PATH = str(tiny_model_path)
    version = services.model_version_ensure_shipped()
    assert (version.kind, version.name, version.is_active) == ("appearance", "tiny-t1", True)
    assert ModelVersion.objects.count() == 1
