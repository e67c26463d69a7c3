"""Training runs and model version activation.

A researcher starts a run (:func:`training_run_start`); the ``train`` queue runs it
(:func:`training_run_execute`): the catalogue's confirmed training-split photos are
cropped into a folder dataset, the ML library trains on them (plus synthetic fins when
the catalogue is small), the model file goes to ``settings.DOIS_MODEL_DIR`` and a new,
inactive ``ModelVersion`` records its metrics on the frozen evaluation split (photos
with ``split=eval``) beside the active version's figures on the same split.

Activation (:func:`model_version_activate`) first embeds the gallery under the new
version in the background (state ``embedding_gallery``), then switches in one
transaction (:func:`model_version_switch`). For an edge-method version (issue 13) that
means tracing every reference photo's outline (a person's outline is kept and only its
edge computed again) before the switch; training runs make appearance models.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from common.pagecache import page_cache_bump_on_commit
from common.permissions import Actor, perm_require
from dois import inference
from dois.model_files import model_files_publish
from dois.models import Embedding, ModelVersion, Photo, TrainingRun
from dois.services.identify import embeddings_compute
from dois.services.model_versions import model_load, model_version_path, worker_threads
from dois.services.results import photos_prepare

logger = logging.getLogger(__name__)

TRAIN_TASK = "dois.tasks.train_model"
REEMBED_TASK = "dois.tasks.reembed_gallery"
SMALL_CATALOGUE_PHOTOS = 500
DEFAULT_PARAMS: dict[str, Any] = {
    "epochs": 10, "synthetic": 300, "input_size": 128, "embedding_dim": 128, "width": 1.0,
    "batch_size": 64, "synthetic_photos": 8, "holdout_synthetic": 60, "seed": 0,
}


def training_run_start(*, actor: Actor, params: dict[str, Any] | None = None) -> TrainingRun:
    """Queue a training run on the ``train`` queue (sent after commit)."""
    perm_require(user=actor, perm="dois.train_model")
    params = dict(params or {})
    unknown = set(params) - set(DEFAULT_PARAMS)
    if unknown:
        raise ValidationError({"params": _("Unknown training parameters: %(names)s") % {
            "names": ", ".join(sorted(unknown))}})
    merged = {**DEFAULT_PARAMS, **params}
    if not 1 <= int(merged["epochs"]) <= 500:
        raise ValidationError({"epochs": _("Epochs must be between 1 and 500.")})
    with transaction.atomic():
        run = TrainingRun.objects.create(requested_by=actor, params=merged)
        transaction.on_commit(lambda: training_run_send(run_id=run.pk))
    return run


def training_run_send(*, run_id: int) -> bool:
    try:
        current_app.send_task(TRAIN_TASK, args=[run_id], queue="train")
    except Exception:  # noqa: BLE001
        logger.warning("could not send training run %s", run_id, exc_info=True)
        TrainingRun.objects.filter(pk=run_id).update(
            log=Concat(F("log"), Value(
                _("The queue is unreachable; start the run again later.") + "\n")))
        return False
    return True


def training_run_log(*, run_id: int, line: str, progress: float | None = None) -> None:
    """Append a line to a run's log (and set its progress, 0 to 1)."""
    stamp = timezone.now().strftime("%H:%M:%S")
    updates: dict[str, Any] = {"log": Concat(F("log"), Value(f"[{stamp}] {line}\n"))}
    if progress is not None:
        updates["progress"] = max(0.0, min(1.0, float(progress)))
    TrainingRun.objects.filter(pk=run_id).update(**updates)


def training_dataset_write(*, root: Path, size: int) -> tuple[int, int]:
    """Write confirmed training-split crops as ``root/<individual>/<photo>.png``.

    Returns (photos, individuals).
    """
    photos = list(Photo.objects.gallery().filter(split=Photo.Split.TRAIN)
                  .select_related("individual").order_by("pk"))
    from PIL import Image

    written, individuals = 0, set()
    for start in range(0, len(photos), 64):
        chunk = photos[start:start + 64]
        batch, ok, _errors = photos_prepare(photos=chunk, size=size)
        for n, array in zip(ok, batch, strict=True):
            photo = chunk[n]
            folder = root / photo.individual.code
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray((array * 255).round().astype(np.uint8)).save(
                folder / f"{photo.pk}.png")
            written += 1
            individuals.add(photo.individual_id)
    return written, len(individuals)


def model_evaluate(*, path: Path, threads: int | None = None) -> dict[str, Any]:
    """Top-1/top-5 of eval-split reference photos against the train-split gallery."""
    from dois.ml.gallery import Gallery

    model = inference.embedder_get(path=path, threads=threads or worker_threads())
    gallery_photos = list(Photo.objects.gallery().filter(split=Photo.Split.TRAIN).order_by("pk"))
    queries = list(Photo.objects.gallery().filter(split=Photo.Split.EVAL).order_by("pk"))
    known = {p.individual_id for p in gallery_photos}
    queries = [q for q in queries if q.individual_id in known]
    if not gallery_photos or not queries:
        return {"eval_queries": len(queries), "gallery_photos": len(gallery_photos)}
    g_batch, g_ok, _e = photos_prepare(photos=gallery_photos, size=model.input_size)
    q_batch, q_ok, _e = photos_prepare(photos=queries, size=model.input_size)
    gallery = Gallery(model.embedder.embed(g_batch),
                      [gallery_photos[n].individual_id for n in g_ok])
    results = gallery.search(model.embedder.embed(q_batch), k=5)
    top1 = top5 = 0
    for n, cands in zip(q_ok, results, strict=True):
        labels = [c.label for c in cands]
        top1 += int(bool(labels) and labels[0] == queries[n].individual_id)
        top5 += int(queries[n].individual_id in labels)
    count = max(1, len(q_ok))
    return {"eval_queries": len(q_ok), "gallery_photos": len(g_ok),
            "top1": round(top1 / count, 4), "top5": round(top5 / count, 4)}


def model_evaluate_edges(*, model_version: ModelVersion) -> dict[str, Any]:
    """Top-1/top-5 of an edge version on the evaluation split, from the edges stored for
    the reference photos (eval-split photos ranked against the train-split ones; photos
    without a usable outline count as misses). No tracing: the gallery is traced when
    the version is activated."""
    from dois.ml.edges import EdgeGallery
    from dois.ml.shape import stored_edges_unpack

    rows = list(Embedding.objects.filter(
        model_version=model_version, photo__in=Photo.objects.gallery()).values_list(
        "photo__split", "photo__individual_id", "edge", "vector"))
    train = [(i, e, v) for split, i, e, v in rows if split == Photo.Split.TRAIN and e]
    known = {i for i, _e, _v in train}
    queries = [(i, e, v) for split, i, e, v in rows
               if split == Photo.Split.EVAL and i in known]
    if not train or not queries:
        return {"eval_queries": len(queries), "gallery_photos": len(train)}

    edges, shapes = stored_edges_unpack([e for _i, e, _v in train])
    gallery = EdgeGallery(edges, [i for i, _e, _v in train], shapes=shapes,
                          vectors=np.stack([np.frombuffer(bytes(v), np.float32)
                                            for _i, _e, v in train]))
    top1 = top5 = 0
    for individual, e, v in queries:
        if not e:
            continue
        (q_edge,), (q_shape,) = stored_edges_unpack([e])
        labels = [c.label for c in gallery.search(
            q_edge, k=5, shape=q_shape, vector=np.frombuffer(bytes(v), np.float32))]
        top1 += int(bool(labels) and labels[0] == individual)
        top5 += int(individual in labels)
    return {"eval_queries": len(queries), "gallery_photos": len(train),
            "top1": round(top1 / len(queries), 4), "top5": round(top5 / len(queries), 4),
            "method": model_version.name}


def training_run_execute(*, run_id: int, worker: str = "") -> ModelVersion | None:
    """Train, evaluate and record a new inactive version. Safe to run twice."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        if run.status in (TrainingRun.Status.DONE, TrainingRun.Status.RUNNING):
            return run.model_version
        run.status, run.started_at, run.progress = TrainingRun.Status.RUNNING, timezone.now(), 0
        run.save(update_fields=["status", "started_at", "progress"])
    training_run_log(run_id=run_id, line=f"started on {worker or 'this process'}")
    params = {**DEFAULT_PARAMS, **run.params}
    out = Path(settings.DOIS_MODEL_DIR) / f"fin-embedder-run{run.pk}.keras"
    try:
        from dois.ml.train import TrainConfig, train

        size = int(params["input_size"])
        with tempfile.TemporaryDirectory() as tmp:
            photos, individuals = training_dataset_write(root=Path(tmp), size=size)
            synthetic = int(params["synthetic"]) if photos < SMALL_CATALOGUE_PHOTOS else 0
            training_run_log(run_id=run_id, progress=0.02, line=(
                f"{photos} confirmed training photos of {individuals} individuals; "
                f"{synthetic} synthetic individuals"))
            epochs = int(params["epochs"])

            def progress(epoch: int, total: int, metrics: dict[str, float]) -> None:
                shown = " ".join(f"{k}={v:.4g}" for k, v in metrics.items())
                training_run_log(run_id=run_id, line=f"epoch {epoch}/{total} {shown}",
                                 progress=0.05 + 0.85 * epoch / max(1, total))

            config = TrainConfig(
                input_size=size, embedding_dim=int(params["embedding_dim"]),
                width=float(params["width"]), batch_size=int(params["batch_size"]),
                synthetic_photos=int(params["synthetic_photos"]),
                holdout_synthetic=int(params["holdout_synthetic"]),
                name="fin-embedder", version=f"run{run.pk}")
            result = train(data_dirs=[tmp] if individuals >= 2 else [],
                           synthetic_individuals=synthetic or (0 if individuals >= 2 else 8),
                           epochs=epochs, out_path=out, seed=int(params["seed"]),
                           progress_callback=progress, config=config, verbose=False)
        training_run_log(run_id=run_id, line="evaluating on the evaluation split",
                         progress=0.92)
        metrics: dict[str, Any] = {"training": result.metrics,
                                   "eval_split": model_evaluate(path=out)}
        active = ModelVersion.objects.filter(is_active=True).first()
        if active is not None and active.kind == ModelVersion.Kind.EDGE:
            metrics["active_eval_split"] = model_evaluate_edges(model_version=active)
            metrics["active_name"] = active.name
        elif active is not None:
            try:
                metrics["active_eval_split"] = model_evaluate(
                    path=model_version_path(model_version=active))
                metrics["active_name"] = active.name
            except inference.ModelUnusable as exc:
                metrics["active_eval_split"] = {"error": str(exc)}
        meta = inference.model_metadata_read(out)
        with transaction.atomic():
            version, _created = ModelVersion.objects.update_or_create(
                name=f"fin-embedder-run{run.pk}",
                # in the media store: the identify hosts load it from there
                defaults={"file_path": model_files_publish(path=out),
                          "embedding_dim": int(meta["embedding_dim"]),
                          "input_size": int(meta["input_size"]),
                          "threshold": float(meta["new_individual_threshold"]),
                          "metrics": metrics, "state": ModelVersion.State.READY,
                          "notes": _("Trained by run %(id)s.") % {"id": run.pk}})
            TrainingRun.objects.filter(pk=run_id).update(
                status=TrainingRun.Status.DONE, finished_at=timezone.now(), progress=1.0,
                metrics=metrics, model_version=version, error="")
        training_run_log(run_id=run_id, line=f"done: {version.name}")
        return version
    except Exception as exc:
        # the page and its JSON show ``error`` and the log: a plain message only, the
        # traceback (with paths) goes to the worker's log
        logger.exception("training run %s failed", run_id)
        message = _("Training failed (%(kind)s); the details are in the train worker's "
                    "log.") % {"kind": type(exc).__name__}
        training_run_log(run_id=run_id, line=message)
        TrainingRun.objects.filter(pk=run_id).update(
            status=TrainingRun.Status.FAILED, finished_at=timezone.now(), error=message)
        return None


# --- the sweep ------------------------------------------------------------------------


def training_timeout_s() -> float:
    """How long a run may stay ``running`` (``DOIS_TRAINING_TIMEOUT_S``, default 4 h)."""
    return float(settings.DOIS_TRAINING_TIMEOUT_S)


def training_runs_sweep(*, older_than_s: float | None = None) -> list[int]:
    """Fail runs left ``running`` longer than the timeout (their train worker died).

    A run is marked ``running`` when a worker starts it and ``done`` or ``failed`` when it
    ends, so a worker killed in between (out of memory, host lost, deploy) leaves it
    running forever. The timeout counts from the run's start and is generous: a slow run
    that really is alive and finishes afterwards still records its model version.
    Queued runs are left alone (they may wait behind a long run). Returns the ids failed.
    """
    timeout = training_timeout_s() if older_than_s is None else float(older_than_s)
    now = timezone.now()
    with transaction.atomic():
        stale = list(TrainingRun.objects.select_for_update(skip_locked=True).filter(
            status=TrainingRun.Status.RUNNING, started_at__lt=now - timedelta(seconds=timeout))
            .order_by("pk"))
        for run in stale:
            hours = round(timeout / 3600, 1)
            run.status, run.finished_at = TrainingRun.Status.FAILED, now
            run.error = _(
                "The training worker stopped: the run was still marked running %(hours)s "
                "hours after it started, with no result. Start a new run.") % {
                "hours": f"{hours:g}"}
            run.log = f"{run.log}[{now:%H:%M:%S}] {run.error}\n"
            run.save(update_fields=["status", "finished_at", "error", "log"])
    if stale:
        logger.warning("training runs %s failed by the sweep", [r.pk for r in stale])
    return [r.pk for r in stale]


# --- activation -----------------------------------------------------------------------


def model_version_activate(*, model_version: ModelVersion, actor: Actor) -> ModelVersion:
    """Start activating a version: re-embed the gallery in the background, then switch."""
    perm_require(user=actor, perm="dois.activate_model")
    if model_version.is_active:
        raise ValidationError({"model_version": _("This version is already active.")})
    if model_version.state == ModelVersion.State.EMBEDDING_GALLERY:
        return model_version
    ok, detail = inference.model_file_check(model_version_path(model_version=model_version))
    if not ok:
        raise ValidationError({"model_version": _("The model file cannot be used: %(d)s") % {
            "d": detail}})
    with transaction.atomic():
        ModelVersion.objects.filter(pk=model_version.pk).update(
            state=ModelVersion.State.EMBEDDING_GALLERY)
        actor_id = actor.pk
        transaction.on_commit(lambda: current_app.send_task(
            REEMBED_TASK, args=[model_version.pk, actor_id], queue="train"))
    model_version.refresh_from_db()
    return model_version


def model_version_switch(*, model_version: ModelVersion,
                         actor: Actor | None = None) -> ModelVersion:
    """Make ``model_version`` the only active version, in one transaction."""
    with transaction.atomic():
        versions = list(ModelVersion.objects.select_for_update().filter(is_active=True))
        ModelVersion.objects.filter(pk__in=[v.pk for v in versions]).update(is_active=False)
        ModelVersion.objects.filter(pk=model_version.pk).update(
            is_active=True, state=ModelVersion.State.READY, activated_at=timezone.now(),
            activated_by=actor)
        page_cache_bump_on_commit()  # pages name the active model; set in a worker
    model_version.refresh_from_db()
    return model_version


def model_version_activation_finish(*, model_version_id: int, actor_id: int | None) -> bool:
    """Embed every reference photo under the version, then switch. Safe to run twice."""
    version = ModelVersion.objects.get(pk=model_version_id)
    if version.is_active:
        return True
    if version.state != ModelVersion.State.EMBEDDING_GALLERY:
        return False
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        model_load(model_version=version)
        while True:
            missing = list(Photo.objects.gallery().exclude(
                embeddings__model_version=version).values_list("pk", flat=True)[:1000])
            if not missing or not embeddings_compute(model_version_id=version.pk,
                                                     photo_ids=missing):
                break
    except inference.ModelUnusable as exc:
        ModelVersion.objects.filter(pk=version.pk).update(
            state=ModelVersion.State.FAILED, notes=str(exc)[:2000])
        return False
    logger.info("gallery of %s: %s embeddings", version.name,
                Embedding.objects.filter(model_version=version).count())
    model_version_switch(model_version=version, actor=actor)
    return True
