"""Export pages: the index, capture histories, the dataset and exports made by a task."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.files import bytes_response, file_response
from dois import exports, services
from dois.exports import OccasionLength
from dois.forms import (
    ExportForm,
)
from dois.models import ExportRun

logger = logging.getLogger(__name__)


def _export_form(request, data=None) -> ExportForm:
    kinds = [k for k in services.KINDS
             if services.export_allowed(actor=request.user, kind=k)]
    return ExportForm(data, kinds=kinds, initial={"kind": ExportRun.Kind.CAPTURE_CSV})


def _capture_params(request) -> dict:
    """The capture history's parameters from the query string (bad values: defaults)."""
    form = ExportForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    return {"start": data.get("start"), "end": data.get("end"),
            "occasion": data.get("occasion") or OccasionLength.DAY}


@permission_required("dois.export_data", raise_exception=True)
@require_http_methods(["GET", "POST"])
def export_index(request):
    """The exports: a preview of the capture histories (date range and occasions from
    the query string), a form that queues an export as a task, the latest runs."""
    form = _export_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.export_run_request(
                actor=request.user, kind=data["kind"], start=data["start"], end=data["end"],
                occasion=data["occasion"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Export %(id)s is being prepared; its download "
                                        "link appears below when it is ready.")
                             % {"id": run.pk})
            return redirect("dois:exports")
    params = _capture_params(request)
    occasions, rows = exports.capture_history(**params)
    runs = services.export_runs_recent(actor=request.user)
    return render(request, "dois/exports.html", {
        "form": form, "occasions": occasions, "rows": rows[:50], "row_count": len(rows),
        "params": params, "query": request.GET.urlencode(), "runs": runs,
        "pending": any(r.status in (ExportRun.Status.QUEUED, ExportRun.Status.RUNNING)
                       for r in runs),
        "rounding_km": settings.DOIS_PUBLIC_ROUNDING_KM}, status=400 if form.errors else 200)


@permission_required("dois.export_data", raise_exception=True)
def export_capture_csv(request):
    return bytes_response(data=exports.capture_history_csv(**_capture_params(request))
                          .encode(), filename="capture-history.csv", content_type="text/csv")


@permission_required("dois.export_data", raise_exception=True)
def export_capture_inp(request):
    return bytes_response(data=exports.capture_history_inp(**_capture_params(request))
                          .encode(), filename="capture-history.inp",
                          content_type="text/plain")


@require_POST
@permission_required("dois.export_data", raise_exception=True)
def export_dataset_zip(request):
    """The notebook dataset is large: it is made by a task (see :func:`export_index`)."""
    run = services.export_run_request(actor=request.user,
                                              kind=ExportRun.Kind.DATASET)
    messages.success(request, _("Export %(id)s is being prepared; its download link "
                                "appears below when it is ready.") % {"id": run.pk})
    return redirect("dois:exports")


@permission_required("dois.export_data", raise_exception=True)
def export_download(request, pk: int):
    """A finished export's file, for users with its kind's permissions (an attachment,
    from its unguessable stored name)."""
    run = get_object_or_404(ExportRun, pk=pk)
    try:
        run = services.export_run_download(run=run, actor=request.user)
    except ValidationError as exc:  # not ready (a PermissionDenied is a 403)
        raise Http404 from exc
    return file_response(name=run.file.name, filename=run.filename,
                         content_type=run.content_type)
