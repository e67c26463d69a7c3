"""Identification jobs (dois.services.jobs): sent in chunks on commit, marked sent at
once, claimed by a worker, given up after the last attempt."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dois import services
from dois.models import IdentificationJob, Photo
from tests.dois.factories import SightingFactory, upload
from tests.dois.jobs_support import job_create

pytestmark = pytest.mark.django_db


def test_bulk_upload_is_sent_in_chunks_and_a_single_photo_alone(
        settings, model_version, volunteer, _no_broker, django_capture_on_commit_callbacks):
    settings.DOIS_IDENTIFY_BATCH = 2
    fields = {"observed_at": timezone.now(), "latitude": 22.3, "longitude": 113.8}
    with django_capture_on_commit_callbacks(execute=True):
        _sighting, results = services.sighting_with_photos_submit(
            actor=volunteer, sighting_fields=fields,
            uploads=[upload(seed=s) for s in range(5)],
            options=[services.PhotoOptions() for _ in range(5)])
    ids = [r.job.pk for r in results]
    assert _no_broker == [("dois.tasks.identify_batch", [ids[0:2]], "identify"),
                          ("dois.tasks.identify_batch", [ids[2:4]], "identify"),
                          ("dois.tasks.identify_photo", [ids[4]], "identify")]
    _no_broker.clear()
    with django_capture_on_commit_callbacks(execute=True):
        photo, job = services.photo_submit(sighting=SightingFactory(), upload=upload(seed=77),
                                           actor=volunteer)
    assert _no_broker == [("dois.tasks.identify_photo", [job.pk], "identify")]


def test_sending_a_bulk_upload_marks_it_sent_at_once_and_stops_at_a_dead_broker(
        settings, model_version, monkeypatch, django_assert_num_queries):
    from celery import current_app

    settings.DOIS_IDENTIFY_BATCH = 2
    ids = [job_create().pk for _ in range(5)]
    IdentificationJob.objects.filter(pk__in=ids).update(sent_at=None)
    calls = []
    monkeypatch.setattr(current_app, "send_task",
                        lambda name, args=None, **kw: calls.append((name, args)))
    with django_assert_num_queries(1):  # one UPDATE of sent_at for all chunks
        assert services.identification_jobs_send(job_ids=ids)
    assert [a for _n, a in calls] == [[ids[0:2]], [ids[2:4]], [ids[4]]]
    assert IdentificationJob.objects.filter(pk__in=ids, sent_at__isnull=True).count() == 0

    IdentificationJob.objects.filter(pk__in=ids).update(sent_at=None)
    tries = []

    def dead(name, args=None, **kw):
        tries.append(args)
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(current_app, "send_task", dead)
    assert not services.identification_jobs_send(job_ids=ids)
    assert len(tries) == 1  # no wait for a dead broker once per chunk
    assert IdentificationJob.objects.filter(pk__in=ids, sent_at__isnull=True).count() == 5


def test_claim_gives_up_after_max_attempts(model_version):
    job = job_create()
    IdentificationJob.objects.filter(pk=job.pk).update(status="running",
                                                       attempts=services.MAX_ATTEMPTS)
    report = services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert report.skipped == [job.pk]
    assert job.status == "failed" and "Gave up after 3 attempts" in job.error


@pytest.mark.parametrize("vendor", ["postgresql", "other"])
def test_claim_takes_open_jobs_skips_the_rest_and_fails_worn_out_ones(
        model_version, monkeypatch, vendor):
    from django.db import connection

    fresh, retried, done, worn = (job_create() for _ in range(4))
    IdentificationJob.objects.filter(pk=retried.pk).update(status="running", attempts=1)
    IdentificationJob.objects.filter(pk=done.pk).update(status="done", attempts=1)
    IdentificationJob.objects.filter(pk=worn.pk).update(status="queued",
                                                        attempts=services.MAX_ATTEMPTS)
    Photo.objects.filter(pk=fresh.photo_id).update(
        crop_x=3, crop_y=4, crop_w=50, crop_h=60)
    monkeypatch.setattr(connection, "vendor", vendor)  # "other": the ORM's way
    claimed, skipped = services.identification_jobs_claim(
        job_ids=[worn.pk, done.pk, retried.pk, fresh.pk], worker="w9@test")
    monkeypatch.undo()
    assert [j.pk for j in claimed] == sorted([fresh.pk, retried.pk])
    assert sorted(skipped) == sorted([done.pk, worn.pk])
    by_pk = {j.pk: j for j in claimed}
    assert by_pk[fresh.pk].attempts == 1 and by_pk[retried.pk].attempts == 2
    assert by_pk[fresh.pk].photo.crop_box == (3, 4, 53, 64)
    assert by_pk[fresh.pk].photo.original.name == fresh.photo.original.name
    assert by_pk[fresh.pk].model_version == model_version
    assert by_pk[fresh.pk].sent_at == IdentificationJob.objects.get(pk=fresh.pk).sent_at
    rows = dict(IdentificationJob.objects.values_list("pk", "status"))
    assert rows == {fresh.pk: "running", retried.pk: "running", done.pk: "done",
                    worn.pk: "failed"}
    stored = IdentificationJob.objects.get(pk=fresh.pk)
    assert stored.worker == "w9@test" and stored.started_at == by_pk[fresh.pk].started_at
