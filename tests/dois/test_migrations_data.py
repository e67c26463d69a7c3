"""The data migrations of dois: old originals renamed, old job errors classified."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from dois import services
from dois.models import IdentificationJob, Photo
from tests.dois.factories import SightingFactory, upload
from tests.dois.jobs_support import job_create

pytestmark = pytest.mark.django_db



def _migration(name: str):
    import importlib

    return importlib.import_module(f"dois.migrations.{name}")


def test_the_migration_moves_old_originals_to_unguessable_names(volunteer):
    from django.apps import apps
    from django.core.files.storage import default_storage

    photo, _job = services.photo_submit(sighting=SightingFactory(), upload=upload(seed=520),
                                        actor=volunteer)
    with photo.original.open("rb") as fh:
        data = fh.read()
    old = default_storage.save(f"dois/originals/2024/05/{photo.sha256[:16]}.jpg",
                               ContentFile(data))
    Photo.objects.filter(pk=photo.pk).update(original=old)
    derived = default_storage.save(
        f"dois/derived/{photo.sha256[:2]}/{photo.sha256}-crop-{photo.crop_x}-{photo.crop_y}-"
        f"{photo.crop_w}-{photo.crop_h}.jpg", ContentFile(b"jpeg"))
    _migration("0006_originals_renamed_job_errors_classified").rename_originals(apps, None)
    photo.refresh_from_db()
    assert photo.original.name != old and photo.sha256[:16] not in photo.original.name
    assert photo.original.name.startswith("dois/originals/")
    with photo.original.open("rb") as fh:
        assert fh.read() == data
    assert not default_storage.exists(old) and not default_storage.exists(derived)


def test_the_migration_classifies_old_job_errors_so_outage_jobs_can_be_requeued(
        model_version, _no_broker):
    from django.apps import apps

    errors = {
        "The model fin-embedder-v1 cannot be used: model file missing: /srv/var/x.keras":
            "model_unavailable",
        "模型 fin-embedder-v1 无法使用：model file missing: /srv/var/x.keras":
            "model_unavailable",
        "The photo cannot be used: the photo's file is missing: [Errno 2] /srv/a.jpg":
            "photo_missing",
        "The photo cannot be used: not a readable image: cannot identify": "photo_unreadable",
        "The photo cannot be used: no fin in the crop: empty": "photo_no_fin",
        "Gave up after 3 attempts: the worker stopped or timed out each time.":
            "worker_lost",
        "something else at /srv/hub": "internal",
    }
    jobs = {}
    for error, code in errors.items():
        job = job_create()
        IdentificationJob.objects.filter(pk=job.pk).update(status="failed", error=error)
        jobs[job.pk] = code
    _migration("0006_originals_renamed_job_errors_classified").classify_job_errors(apps, None)
    rows = IdentificationJob.objects.filter(pk__in=jobs)
    assert dict(rows.values_list("pk", "error_code")) == jobs
    assert not any("/srv" in e for e in rows.values_list("error", flat=True))
    requeued = services.identification_jobs_sweep().requeued
    assert sorted(requeued) == sorted(pk for pk, c in jobs.items() if c == "model_unavailable")


# --- the edge method (fin outline, issue 13): the site's default --------------------------
