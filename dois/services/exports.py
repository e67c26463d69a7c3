"""Exports that run as tasks: a researcher asks, a worker writes the file, the page links
to it (:class:`ExportRun`).

The run row is the truth: ``queued → running → done | failed``. The task
(``dois.tasks.export_run``, default queue) is sent on commit; one that never reached
the broker is sent again by the beat's sweep (:func:`export_runs_resend`). Running a
run twice writes its file once. The file is stored under an unguessable name and only
:func:`export_run_download` (with the permission check) leads to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from celery import current_app
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.permissions import Actor
from dois import exports, exports_dwca
from dois.models import ExportRun
from dois.rules import user_sees_exact

logger = logging.getLogger(__name__)

EXPORT_TASK = "dois.tasks.export_run"


@dataclass(frozen=True)
class ExportKind:
    filename: str
    content_type: str
    exact: bool = False  # exact coordinates: researchers who may see them only
    dated: bool = True  # takes a date range
    occasions: bool = False  # takes an occasion length


KINDS: dict[str, ExportKind] = {
    ExportRun.Kind.CAPTURE_CSV: ExportKind("capture-history.csv", "text/csv",
                                           occasions=True),
    ExportRun.Kind.CAPTURE_INP: ExportKind("capture-history.inp", "text/plain",
                                           occasions=True),
    ExportRun.Kind.SIGHTINGS_CSV: ExportKind("sightings-exact.csv", "text/csv", exact=True),
    ExportRun.Kind.DWCA: ExportKind("dois-dwca.zip", "application/zip"),
    ExportRun.Kind.DATASET: ExportKind("dois-dataset.zip", "application/zip", dated=False),
}


def export_allowed(*, actor: Actor | None, kind: str) -> bool:
    spec = KINDS.get(kind)
    if spec is None or actor is None or not actor.has_perm("dois.export_data"):
        return False
    return not spec.exact or user_sees_exact(user=actor)


def export_params_clean(*, kind: str, start: date | None = None, end: date | None = None,
                        occasion: str = exports.OccasionLength.DAY) -> dict:
    """The parameters a run records (JSON), checked: a known kind and occasion length,
    a start not after the end."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError({"kind": _("Unknown export.")})
    if start and end and start > end:
        raise ValidationError({"end": _("The end date is before the start date.")})
    params: dict = {}
    if spec.dated:
        params.update(start=start.isoformat() if start else None,
                      end=end.isoformat() if end else None)
    if spec.occasions:
        if occasion not in exports.OccasionLength.values:
            raise ValidationError({"occasion": _("Unknown occasion length.")})
        params["occasion"] = occasion
    return params


def _send(run_id: int) -> None:
    try:
        current_app.send_task(EXPORT_TASK, args=[run_id], queue="default")
    except Exception:  # noqa: BLE001 - the sweep sends it later
        logger.warning("could not send export run %s; the sweep sends it", run_id,
                       exc_info=True)
        return


def export_run_request(*, actor: Actor, kind: str, **params) -> ExportRun:
    """Record an export and queue its task (sent when the transaction commits)."""
    if not export_allowed(actor=actor, kind=kind):
        raise PermissionDenied(_("You do not have permission to do this."))
    cleaned = export_params_clean(kind=kind, **params)
    with transaction.atomic():
        run = ExportRun.objects.create(kind=kind, params=cleaned, requested_by=actor,
                                       filename=KINDS[kind].filename,
                                       content_type=KINDS[kind].content_type)
        transaction.on_commit(lambda: _send(run.pk), robust=True)
    return run


def _build(run: ExportRun) -> bytes:
    params = run.params or {}
    start = date.fromisoformat(params["start"]) if params.get("start") else None
    end = date.fromisoformat(params["end"]) if params.get("end") else None
    occasion = params.get("occasion", exports.OccasionLength.DAY)
    if run.kind == ExportRun.Kind.CAPTURE_CSV:
        return exports.capture_history_csv(start=start, end=end, occasion=occasion).encode()
    if run.kind == ExportRun.Kind.CAPTURE_INP:
        return exports.capture_history_inp(start=start, end=end, occasion=occasion).encode()
    if run.kind == ExportRun.Kind.SIGHTINGS_CSV:
        return exports.sightings_csv(start=start, end=end).encode("utf-8-sig")
    if run.kind == ExportRun.Kind.DWCA:
        return exports_dwca.dwca_zip(start=start, end=end)
    if run.kind == ExportRun.Kind.DATASET:
        return exports.dataset_zip()
    raise ValueError(f"unknown export kind {run.kind!r}")


def export_run_execute(*, run_id: int) -> ExportRun | None:
    """Write a run's file (the task). A run already running elsewhere, done or failed is
    left alone; returns the run (None if it does not exist)."""
    claimed = ExportRun.objects.filter(pk=run_id, status=ExportRun.Status.QUEUED).update(
        status=ExportRun.Status.RUNNING, started_at=timezone.now())
    run = ExportRun.objects.filter(pk=run_id).first()
    if not claimed or run is None:
        return run
    try:
        data = _build(run)
        run.file.save(run.filename, ContentFile(data), save=False)
    except Exception as exc:  # noqa: BLE001 - recorded on the run, details in the log
        logger.exception("export run %s (%s) failed", run.pk, run.kind)
        ExportRun.objects.filter(pk=run.pk).update(
            status=ExportRun.Status.FAILED, finished_at=timezone.now(),
            error=f"The export could not be written ({type(exc).__name__}).")
        run.refresh_from_db()
        return run
    ExportRun.objects.filter(pk=run.pk).update(
        status=ExportRun.Status.DONE, file=run.file.name, size=len(data),
        finished_at=timezone.now())
    run.refresh_from_db()
    return run


def export_runs_resend(*, older_than_s: int = 120) -> list[int]:
    """Send again the runs still queued after ``older_than_s`` (the broker was down), and
    put back runs whose worker died while running (after an hour)."""
    now = timezone.now()
    stuck = list(ExportRun.objects.filter(
        status=ExportRun.Status.QUEUED, created_at__lt=now - timedelta(seconds=older_than_s))
        .values_list("pk", flat=True)[:100])
    lost = ExportRun.objects.filter(status=ExportRun.Status.RUNNING,
                                    started_at__lt=now - timedelta(hours=1))
    lost.update(status=ExportRun.Status.QUEUED, started_at=None)
    for pk in stuck:
        _send(pk)
    return stuck


def export_run_download(*, run: ExportRun, actor: Actor) -> ExportRun:
    """The run, if ``actor`` may download it (its kind's permissions) and it is done."""
    if not export_allowed(actor=actor, kind=run.kind):
        raise PermissionDenied(_("You do not have permission to do this."))
    if run.status != ExportRun.Status.DONE or not run.file:
        raise ValidationError(_("This export is not ready."))
    return run


def export_runs_recent(*, actor: Actor, limit: int = 20) -> list[ExportRun]:
    """The latest runs of the kinds ``actor`` may download."""
    kinds = [k for k in KINDS if export_allowed(actor=actor, kind=k)]
    return list(ExportRun.objects.filter(kind__in=kinds).select_related("requested_by")
                .order_by("-created_at", "-id")[:limit])
