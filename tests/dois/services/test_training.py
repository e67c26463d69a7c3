"""Training runs to a new version with evaluation-split metrics; activation re-embeds."""

from __future__ import annotations

import os

import pytest
from django.db import transaction

from dois import services
from dois.models import Embedding, ModelVersion, Photo, TrainingRun
from tests.dois.factories import PhotoFactory
from tests.dois.jobs_support import gallery_make

pytestmark = pytest.mark.django_db

TINY_RUN = {"epochs": 1, "synthetic": 6, "synthetic_photos": 3, "holdout_synthetic": 0,
            "input_size": 64, "embedding_dim": 32, "width": 0.25, "batch_size": 8}


def test_only_researchers_start_runs_and_unknown_parameters_are_refused(volunteer,
                                                                         researcher):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        services.training_run_start(actor=volunteer)
    with pytest.raises(ValidationError):
        services.training_run_start(actor=researcher, params={"lr": 1})
    assert not TrainingRun.objects.exists()


@pytest.mark.slow
def test_a_run_trains_a_new_version_with_eval_metrics_then_activation_switches(
        settings, tmp_path, model_version, researcher, _no_broker,
        django_capture_on_commit_callbacks):
    settings.DOIS_MODEL_DIR = tmp_path / "models"
    inds, refs = gallery_make(individuals=3, per_individual=2, model_version=model_version)
    for ind in inds:
        PhotoFactory(individual=ind, state=Photo.State.CONFIRMED, split=Photo.Split.EVAL)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.training_run_start(actor=researcher, params=TINY_RUN)
    assert ("dois.tasks.train_model", [run.pk], "train") in _no_broker

    version = services.training_run_execute(run_id=run.pk, worker="trainer@test")
    run.refresh_from_db()
    assert run.status == "done" and run.progress == 1.0, run.error
    assert run.model_version == version and not version.is_active
    assert "epoch 1/1" in run.log and "started on trainer@test" in run.log
    # the model went to the media store; another host fetches it into its own folder
    assert version.file_path.startswith("storage:dois/models/")
    settings.DOIS_MODEL_DIR = tmp_path / "identify-host"
    fetched = services.model_version_path(model_version=version)
    assert fetched.is_file() and fetched.is_relative_to(tmp_path / "identify-host")
    assert fetched.with_suffix(".json").is_file()
    assert version.metrics["eval_split"]["eval_queries"] == 3
    assert 0 <= version.metrics["eval_split"]["top1"] <= version.metrics["eval_split"]["top5"]
    assert version.metrics["active_name"] == model_version.name
    assert "top5" in version.metrics["active_eval_split"]
    # running the task again changes nothing
    assert services.training_run_execute(run_id=run.pk) == version
    assert ModelVersion.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.model_version_activate(model_version=version, actor=researcher)
    version.refresh_from_db()
    assert version.state == "embedding_gallery" and not version.is_active
    assert services.model_version_activation_finish(model_version_id=version.pk,
                                                    actor_id=researcher.pk)
    version.refresh_from_db()
    model_version.refresh_from_db()
    assert version.is_active and version.state == "ready" and not model_version.is_active
    assert version.activated_by == researcher
    gallery = Photo.objects.gallery().count()
    assert Embedding.objects.filter(model_version=version).count() == gallery
    with transaction.atomic():
        job = services.identification_job_create(photo=PhotoFactory())
    assert job.model_version == version
    services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert job.status == "done" and job.candidates.count() == 3


def _run(status, started_hours_ago):
    from datetime import timedelta

    from django.utils import timezone

    started = timezone.now() - timedelta(hours=started_hours_ago)
    return TrainingRun.objects.create(status=status, started_at=started)


def test_sweep_fails_runs_left_running_by_a_dead_worker(settings):
    settings.DOIS_TRAINING_TIMEOUT_S = 4 * 3600
    dead = _run(TrainingRun.Status.RUNNING, 5)
    alive = _run(TrainingRun.Status.RUNNING, 1)
    waiting = _run(TrainingRun.Status.QUEUED, 9)
    done = _run(TrainingRun.Status.DONE, 9)
    assert services.training_runs_sweep() == [dead.pk]
    for run in (dead, alive, waiting, done):
        run.refresh_from_db()
    assert dead.status == TrainingRun.Status.FAILED and dead.finished_at is not None
    assert "training worker stopped" in dead.error and "4 hours" in dead.error
    assert dead.error in dead.log
    assert (alive.status, waiting.status, done.status) == ("running", "queued", "done")
    assert services.training_runs_sweep() == []  # a second sweep changes nothing
    assert services.training_runs_sweep(older_than_s=1800) == [alive.pk]


def test_sweep_timeout_defaults_to_four_hours(settings):
    assert "DOIS_TRAINING_TIMEOUT_S" not in os.environ  # the default of hub/settings.py
    assert services.training_timeout_s() == settings.DOIS_TRAINING_TIMEOUT_S == 4 * 3600
    kept, failed = _run(TrainingRun.Status.RUNNING, 3.5), _run(TrainingRun.Status.RUNNING, 4.5)
    assert services.training_runs_sweep() == [failed.pk]
    kept.refresh_from_db()
    assert kept.status == TrainingRun.Status.RUNNING


def test_beat_sweep_task_also_sweeps_training_runs(model_version, _no_broker):
    from dois.tasks import sweep_jobs

    dead = _run(TrainingRun.Status.RUNNING, 30)
    result = sweep_jobs()
    dead.refresh_from_db()
    assert result["training_failed"] == [dead.pk] and dead.status == "failed"


@pytest.mark.slow
def test_a_failed_run_shows_a_plain_message_without_paths(settings, tmp_path, researcher,
                                                          client, model_version):
    """The model folder cannot be written (a file stands where the folder should be): the
    run fails, and neither its page nor its JSON shows the path or a traceback."""
    from django.utils.html import escape

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    settings.DOIS_MODEL_DIR = blocker / "models"
    run = TrainingRun.objects.create(requested_by=researcher, params=TINY_RUN)
    assert services.training_run_execute(run_id=run.pk, worker="trainer@test") is None
    run.refresh_from_db()
    assert run.status == "failed"
    assert "train worker's log" in run.error and "Error" in run.error  # the kind only
    client.force_login(researcher)
    page = client.get("/en/dois/training/").content.decode()
    status = client.get(f"/en/dois/training/runs/{run.pk}.json").content.decode()
    for text in (run.error, run.log, page, status):
        assert str(tmp_path) not in text and "Traceback" not in text
    assert escape(run.error) in page and run.error in run.log
