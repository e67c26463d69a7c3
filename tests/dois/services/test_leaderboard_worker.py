"""A real ``train`` worker process evaluates submissions; a malicious model fails its own
submission and the worker carries on with the next one."""

from __future__ import annotations

import pytest

from dois import services
from dois.models import Photo, Submission
from tests.dois.factories import IndividualFactory, PhotoFactory, UserFactory
from tests.dois.services.test_leaderboard_models import built_models, model_upload
from tests.support import task_queue, wait_for


def test_leaderboard_tasks_go_to_their_queues():
    assert task_queue("dois.tasks.train_submission_evaluate") == "train"
    assert task_queue("dois.tasks.leaderboard_refresh") == "default"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_train_worker_scores_a_model_after_surviving_a_malicious_one(
        settings, tmp_path, start_worker, purge_queues):
    models_dir = tmp_path / "models"
    settings.DOIS_MODEL_DIR = models_dir
    for _ in range(4):
        ind = IndividualFactory()
        for k in range(3):
            PhotoFactory(individual=ind, state=Photo.State.CONFIRMED,
                         split=Photo.Split.EVAL if k < 2 else Photo.Split.TRAIN)
    member = UserFactory(username="board-member", roles=["volunteer"])
    worker = start_worker(queues="train", name="board",
                          env={"DOIS_MODEL_DIR": str(models_dir)})
    models = built_models()
    huge = services.submission_create(actor=member, name="huge",
                                                  upload=model_upload(models["huge"]))
    good = services.submission_create(actor=member, name="good",
                                                  upload=model_upload(models["good"]))

    def finished():
        rows = list(Submission.objects.filter(pk__in=[huge.pk, good.pk]).order_by("pk"))
        return rows if all(r.status in ("done", "failed") for r in rows) else None

    huge, good = wait_for(finished, timeout=180, what="both submissions evaluated")
    assert huge.status == "failed" and "memory" in huge.error
    assert good.status == "done" and good.metrics["n_queries"] > 0
    assert good.split is not None and good.metrics["ms_per_photo"] > 0
    assert worker.proc.poll() is None  # the worker is still up
    assert "board@" in worker.name
