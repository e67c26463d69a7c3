"""The model leaderboard: members submit TFLite embedders, the ``train`` queue scores them.

* :func:`submission_create` checks an upload (at most 50 MB, read only after its size
  is checked; a TFLite FlatBuffer with one ``N x H x W x 3`` image input and one
  ``N x D`` embedding output, :mod:`dois.sandbox.tflite`) and queues its evaluation.
* :func:`submission_evaluate` (task ``dois.tasks.train_submission_evaluate``) prepares
  the evaluation set's photos as an array at the model's input size, has the model
  embed them in a limited subprocess (:mod:`dois.sandbox`) and computes the figures
  with :mod:`dois.ml.evaluate`'s code (:mod:`dois.leaderboard_metrics`).
* :func:`leaderboard_refresh` records a new evaluation split version when the set
  changed, queues the rows evaluated on an older one again, adds the active model's row,
  re-sends rows the queue lost and fails rows whose worker died.
* :func:`submission_promote` turns a done submission into a model version and starts
  the existing activation (:func:`dois.services.training.model_version_activate`).

The evaluation set: the gallery is every reference photo (confirmed or founding an
individual); the queries are those of the frozen evaluation split (``split=eval``,
fixed per photo by its hash at upload and never exported to members); about a fifth of
the individuals with evaluation photos, picked by a hash of their id, are held out of
the gallery and their evaluation photos are the unknowns of the open-set AUC.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

import numpy as np
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from common.pagecache import page_cache_bump_on_commit
from common.permissions import Actor, perm_require
from common.uploads import UploadRejected, upload_read
from dois.leaderboard_metrics import board_metrics
from dois.model_files import model_files_publish
from dois.models import EvalSplitVersion, ModelVersion, Submission
from dois.sandbox import Limits, SandboxFailed, sandbox_embed
from dois.sandbox.tflite import ModelRejected, ModelSpec, model_inspect
from dois.selectors.leaderboard import member_label
from dois.services.eval_sets import EvalSet, eval_images, eval_set_build, eval_split_record
from dois.services.model_versions import model_version_path
from dois.services.training import model_version_activate

logger = logging.getLogger(__name__)

MAX_BYTES = 50 * 2**20
EVALUATE_TASK = "dois.tasks.train_submission_evaluate"
REFRESH_TASK = "dois.tasks.leaderboard_refresh"


MAX_ATTEMPTS = 3


REFRESH_EVERY_S = 300
DEFAULT_CALIBRATION = {"w_score": -12.0, "w_margin": -8.0, "bias": 7.0}


def limits() -> Limits:
    """The sandbox's limits: ``DOIS_LEADERBOARD_TIMEOUT_S`` (wall, default 900),
    ``DOIS_LEADERBOARD_CPU_S`` (600) and ``DOIS_LEADERBOARD_MEMORY_MB`` (2048)."""
    return Limits(wall_s=float(settings.DOIS_LEADERBOARD_TIMEOUT_S),
                  cpu_s=int(settings.DOIS_LEADERBOARD_CPU_S),
                  memory_mb=int(settings.DOIS_LEADERBOARD_MEMORY_MB))


# --- submitting ---------------------------------------------------------------------


def submission_check(*, upload) -> tuple[bytes, ModelSpec]:
    """The upload's bytes and spec, or ``ValidationError`` on ``file`` saying why."""
    try:
        data = upload_read(upload, max_bytes=MAX_BYTES)
    except UploadRejected as exc:
        raise ValidationError({"file": str(exc)}) from exc
    try:
        spec = model_inspect(data)
    except ModelRejected as exc:
        raise ValidationError({"file": str(exc)}) from exc
    return data, spec


def submission_create(*, actor: Actor, upload, name: str, description: str = "",
                      notebook_url: str = "") -> Submission:
    """Check and store a member's model and queue its evaluation (sent after commit)."""
    perm_require(user=actor, perm="dois.submit_model")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the model a name.")})
    data, spec = submission_check(upload=upload)
    digest = hashlib.sha256(data).hexdigest()
    earlier = (Submission.objects.filter(kind=Submission.Kind.MEMBER, submitted_by=actor,
                                         sha256=digest)
               .exclude(status=Submission.Status.FAILED).first())
    if earlier is not None:
        raise ValidationError({"file": _("You already submitted this model (submission "
                                         "%(id)s).") % {"id": earlier.pk}})
    submission = Submission(kind=Submission.Kind.MEMBER, submitted_by=actor, name=name[:100],
                            description=description or "", notebook_url=notebook_url or "",
                            size_bytes=len(data), sha256=digest, spec=spec.as_dict())
    submission.file.save("model.tflite", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            submission.save()
            transaction.on_commit(lambda: submission_send(submission_id=submission.pk))
    except Exception:
        submission.file.delete(save=False)
        raise
    return submission


def submission_send(*, submission_id: int) -> bool:
    """Hand a submission's evaluation to the ``train`` queue (the refresh re-sends)."""
    try:
        current_app.send_task(EVALUATE_TASK, args=[submission_id], queue="train")
    except Exception:  # noqa: BLE001 - the broker is down: the refresh sends it later
        logger.warning("could not send submission %s", submission_id, exc_info=True)
        return False
    Submission.objects.filter(pk=submission_id).update(sent_at=timezone.now())
    return True


# --- evaluating ---------------------------------------------------------------------


def sandbox_message(*, failure: SandboxFailed, limit: Limits) -> str:
    """What the submitter reads when the sandbox failed (no paths, no tracebacks)."""
    code, detail = failure.code, failure.detail
    messages = {
        "wall_limit": _("The model was stopped after %(s)s seconds: the evaluation's time "
                        "limit.") % {"s": f"{limit.wall_s:g}"},
        "cpu_limit": _("The model used more than %(s)s seconds of CPU time, the "
                       "evaluation's limit, and was stopped (an endless loop?).") % {
            "s": limit.cpu_s},
        "memory_limit": _("The model needed more memory than the evaluation allows "
                          "(%(mb)s MB).") % {"mb": limit.memory_mb},
        "allocate": _("The interpreter could not allocate the model's tensors within the "
                      "evaluation's memory limit (%(mb)s MB), or the model is "
                      "invalid.") % {"mb": limit.memory_mb},
        "killed": _("The model's process was killed, most likely because it ran out of "
                    "memory."),
        "crashed": _("The TFLite interpreter crashed while running the model."),
        "load": _("The TFLite interpreter could not load the model: %(detail)s") % {
            "detail": detail},
        "check": _("The model's input or output is not what its file declares."),
        "invoke": _("The model failed while running: %(detail)s") % {"detail": detail},
        "output": _("The model's output cannot be used: %(detail)s") % {"detail": detail},
    }
    return messages.get(code, messages["crashed"])


def _claim(*, submission_id: int, version: EvalSplitVersion, limit: Limits
           ) -> Submission | None:
    now = timezone.now()
    with transaction.atomic():
        sub = Submission.objects.select_for_update().filter(pk=submission_id).first()
        if sub is None or sub.status == Submission.Status.FAILED:
            return None
        if sub.status == Submission.Status.DONE and sub.split_id == version.pk:
            return None  # already evaluated on the current split
        unfinished = sub.started_at is not None and (
            sub.evaluated_at is None or sub.evaluated_at < sub.started_at)
        if unfinished and sub.started_at > now - timedelta(seconds=limit.wall_s + 120):
            return None  # another worker is on it
        if sub.status in (Submission.Status.QUEUED, Submission.Status.RUNNING):
            sub.status = Submission.Status.RUNNING
        sub.started_at, sub.attempts = now, sub.attempts + 1
        sub.save(update_fields=["status", "started_at", "attempts"])
    return sub


def _model_bytes(sub: Submission) -> bytes:
    if sub.kind == Submission.Kind.ACTIVE_MODEL:
        return model_version_path(model_version=sub.model_version).with_suffix(
            ".tflite").read_bytes()
    with sub.file.open("rb") as fh:
        return fh.read()


def _rounded(metrics: dict) -> dict:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in metrics.items()}


def submission_evaluate(*, submission_id: int, worker: str = "") -> Submission | None:
    """Evaluate a submission on the current split. Safe to run twice; a model that fails
    fails its submission only (with a plain message)."""
    limit = limits()
    eval_set = eval_set_build()
    version = eval_split_record(eval_set=eval_set)
    sub = _claim(submission_id=submission_id, version=version, limit=limit)
    if sub is None:
        return None
    logger.info("leaderboard: evaluating submission %s on split v%s (%s)", sub.pk,
                version.number, worker or "this process")
    failed = ""
    metrics: dict = {}
    workdir = Path(tempfile.mkdtemp(prefix="dois-board-"))
    try:
        spec = ModelSpec.from_dict(sub.spec)
        (workdir / "model.tflite").write_bytes(_model_bytes(sub))
        images, ok = eval_images(eval_set=eval_set, height=spec.height, width=spec.width)
        embedded = sandbox_embed(model=workdir / "model.tflite", images=images,
                                 workdir=workdir, spec=spec.as_dict(), limits=limit)
        keep = np.flatnonzero(ok)
        metrics = board_metrics(vectors=embedded.vectors[keep],
                                items=[eval_set.items[i] for i in keep])
        if not metrics["n_queries"]:
            metrics.update(top1=None, top5=None, map5=None)
        metrics.update(ms_per_photo=embedded.ms_per_photo,
                       cpu_ms_per_photo=embedded.cpu_ms_per_photo,
                       size_bytes=sub.size_bytes, photos_unreadable=int((~ok).sum()))
    except SandboxFailed as exc:
        failed = sandbox_message(failure=exc, limit=limit)
    except Exception:
        logger.exception("leaderboard: submission %s could not be evaluated", submission_id)
        if sub.attempts < MAX_ATTEMPTS:
            Submission.objects.filter(pk=sub.pk).update(
                status=(Submission.Status.DONE if sub.status == Submission.Status.DONE
                        else Submission.Status.QUEUED), sent_at=None)
            raise
        failed = _("The evaluation failed because of an error on the server.")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    now = timezone.now()
    if failed:
        Submission.objects.filter(pk=sub.pk).update(
            status=Submission.Status.FAILED, error=failed, metrics={}, split=version,
            evaluated_at=now)
    else:
        Submission.objects.filter(pk=sub.pk).update(
            status=Submission.Status.DONE, error="", metrics=_rounded(metrics), split=version,
            evaluated_at=now)
    page_cache_bump_on_commit()  # the board changed outside any request
    sub.refresh_from_db()
    leaderboard_refresh(eval_set=eval_set)
    return sub


# --- keeping the board current ------------------------------------------------------


def _active_row(*, active: ModelVersion | None) -> Submission | None:
    """The active model's board row, created on first sight (None without a TFLite file,
    and for the edge method, which is not an embedding model the board can rank)."""
    if active is None or active.kind == ModelVersion.Kind.EDGE:
        return None
    row = Submission.objects.filter(kind=Submission.Kind.ACTIVE_MODEL,
                                    model_version=active).first()
    if row is not None:
        return row
    lite = model_version_path(model_version=active).with_suffix(".tflite")
    try:
        data = lite.read_bytes()
        spec = model_inspect(data)
    except (OSError, ModelRejected) as exc:
        logger.info("leaderboard: active model %s has no usable TFLite file: %s",
                    active.name, exc)
        return None
    try:
        with transaction.atomic():
            return Submission.objects.create(
                kind=Submission.Kind.ACTIVE_MODEL, model_version=active, name=active.name,
                size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                spec=spec.as_dict())
    except IntegrityError:
        return Submission.objects.filter(kind=Submission.Kind.ACTIVE_MODEL,
                                         model_version=active).first()


def leaderboard_refresh(*, eval_set: EvalSet | None = None, limit_rows: int = 200) -> dict:
    """Bring the board up to date; returns what it did. Idempotent."""
    limit = limits()
    eval_set = eval_set or eval_set_build()
    version = eval_split_record(eval_set=eval_set)
    now = timezone.now()
    resend_before = now - timedelta(seconds=limit.wall_s * 2)
    _active_row(active=ModelVersion.objects.filter(is_active=True).first())
    # a worker that died mid-evaluation leaves its row running
    stuck = list(Submission.objects.filter(
        status=Submission.Status.RUNNING,
        started_at__lt=now - timedelta(seconds=limit.wall_s * 2 + 120)))
    failed = 0
    for sub in stuck:
        if sub.attempts >= MAX_ATTEMPTS:
            failed += Submission.objects.filter(pk=sub.pk, status=sub.status).update(
                status=Submission.Status.FAILED, evaluated_at=now, error=_(
                    "The evaluation worker stopped on every attempt."))
        else:
            Submission.objects.filter(pk=sub.pk, status=sub.status).update(
                status=Submission.Status.QUEUED, sent_at=None)
    due = list(Submission.objects.filter(
        Q(status=Submission.Status.QUEUED) | (Q(status=Submission.Status.DONE)
                                              & ~Q(split=version)))
        .filter(Q(sent_at__isnull=True) | Q(sent_at__lt=resend_before))
        .order_by("created_at").values_list("pk", flat=True)[:limit_rows])
    sent = sum(1 for pk in due if submission_send(submission_id=pk))
    if failed:
        page_cache_bump_on_commit()
    return {"split": version.number, "sent": sent, "failed": failed}


def leaderboard_refresh_soon() -> bool:
    """Ask for a refresh in the background, at most once per ``REFRESH_EVERY_S``."""
    if not cache.add("dois:leaderboard:refresh", 1, REFRESH_EVERY_S):
        return False
    try:
        current_app.send_task(REFRESH_TASK)
    except Exception:  # noqa: BLE001 - the page works without it
        logger.warning("could not send the leaderboard refresh", exc_info=True)
        return False
    return True


def submission_requeue(*, submission: Submission, actor: Actor) -> Submission:
    """Evaluate a failed submission again (researchers, e.g. after raising a limit)."""
    perm_require(user=actor, perm="dois.activate_model")
    Submission.objects.filter(pk=submission.pk, status=Submission.Status.FAILED).update(
        status=Submission.Status.QUEUED, error="", attempts=0, sent_at=None)
    transaction.on_commit(lambda: submission_send(submission_id=submission.pk))
    submission.refresh_from_db()
    return submission


# --- promotion ------------------------------------------------------------------------


def _keras_manifest(path: Path, *, lite_name: str, submission_id: int) -> None:
    """A ``.keras``-format archive that points at the TFLite export beside it.

    Model versions are ``.keras`` paths; the serving embedder runs the ``.tflite``
    export found beside one (``dois.ml.model.Embedder``, LiteRT backend). A submission
    is only a TFLite file, so its version's ``.keras`` holds no network: just this
    manifest (``config.json``), Keras's ``metadata.json`` and an empty weights entry,
    which is what the file check of :mod:`dois.inference` reads. A host without LiteRT
    therefore cannot serve a promoted submission (the version fails to load there).
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", json.dumps({
            "dois_leaderboard_submission": submission_id, "tflite": lite_name,
            "note": "TFLite-only model: served from the .tflite file beside this one"}))
        archive.writestr("metadata.json", json.dumps({"keras_version": "tflite-only"}))
        archive.writestr("model.weights.h5", b"")


def submission_promote(*, submission: Submission, actor: Actor) -> ModelVersion:
    """Make a done submission a model version and start activating it (the gallery is
    re-embedded in the background, then the version is switched on atomically)."""
    perm_require(user=actor, perm="dois.activate_model")
    if submission.kind != Submission.Kind.MEMBER or submission.status != Submission.Status.DONE:
        raise ValidationError({"submission": _("Only a done member's submission can be "
                                               "promoted.")})
    if submission.promoted_version_id:
        raise ValidationError({"submission": _("This submission was already promoted "
                                               "(%(name)s).") % {
            "name": submission.promoted_version.name}})
    spec = ModelSpec.from_dict(submission.spec)
    if not (spec.square and spec.input_dtype == "float32" and spec.input_range == (0.0, 1.0)):
        raise ValidationError({"submission": _(
            "Identification feeds models square float32 images with values from 0 to 1; "
            "this model takes %(h)d × %(w)d %(dtype)s images in %(low)g to %(high)g, so it "
            "can be ranked but not served.") % {
            "h": spec.height, "w": spec.width, "dtype": spec.input_dtype,
            "low": spec.input_range[0], "high": spec.input_range[1]}})
    folder = Path(settings.DOIS_MODEL_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / f"board-submission-{submission.pk}"
    lite, keras_path, sidecar = (base.with_suffix(".tflite"), base.with_suffix(".keras"),
                                 base.with_suffix(".json"))
    author = member_label(user=submission.submitted_by)
    metrics = dict(submission.metrics)
    lite.write_bytes(_model_bytes(submission))
    sidecar.write_text(json.dumps({
        "name": "board-submission", "version": str(submission.pk),
        "input_size": spec.height, "embedding_dim": spec.embedding_dim,
        "new_individual_threshold": 0.5,
        "calibration": metrics.get("calibration") or DEFAULT_CALIBRATION,
        "metrics": {k: v for k, v in metrics.items() if k != "calibration"},
        "trained_at": submission.created_at.isoformat(),
        "training_data": f"leaderboard submission {submission.pk} by {author}",
        "extra": {"submission": submission.pk, "submitted_by": author,
                  "notebook_url": submission.notebook_url},
    }, indent=2, sort_keys=True), encoding="utf-8")
    _keras_manifest(keras_path, lite_name=lite.name, submission_id=submission.pk)
    name = f"board-{submission.pk}-{slugify(submission.name)}"[:100].rstrip("-")
    with transaction.atomic():
        version = ModelVersion.objects.create(
            name=name, file_path=model_files_publish(path=keras_path),
            embedding_dim=spec.embedding_dim, input_size=spec.height, threshold=0.5,
            metrics={"leaderboard": metrics, "split": getattr(submission.split, "number",
                                                               None)},
            notes=_("Leaderboard submission %(id)s “%(name)s” by %(author)s, promoted by "
                    "%(by)s.") % {"id": submission.pk, "name": submission.name,
                                   "author": author, "by": member_label(user=actor)})
        Submission.objects.filter(pk=submission.pk).update(
            promoted_version=version, promoted_by=actor, promoted_at=timezone.now())
    submission.refresh_from_db()
    return model_version_activate(model_version=version, actor=actor)
