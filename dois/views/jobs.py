"""Pages of the job side: an identification job live, training runs and model versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dois import rules, selectors, services
from dois.forms import TrainingRunForm
from dois.models import ModelVersion, TrainingRun


def job_detail(request, pk: int):
    """A job's state (live, polled by job.js) and result beside reference photos."""
    job = selectors.job_get(job_id=pk, user=request.user)
    if job is None:
        raise Http404
    correctable = rules.photo_correctable_by(photo=job.photo, user=request.user)
    current = selectors.outline_current(photo=job.photo) if correctable else None
    return render(request, "dois/job.html", {
        "view": selectors.job_view(job=job, user=request.user), "correctable": correctable,
        # the outline this job used; its tool when it is still the photo's current one
        "drawing": selectors.outline_drawing(outline=job.outline),
        "outline_editable": bool(correctable and current is not None
                                 and current.pk == job.outline_id),
        "flag": (selectors.outline_reason_text(reason=job.outline_reason)
                 if job.outline_reason else ""),
        # a correction made here goes on to the new job's page (no next_url)
        "next_url": ""})


@permission_required("dois.train_model", raise_exception=True)
def training(request):
    """Model versions with their metrics, training runs with live progress, a new run."""
    form = TrainingRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.training_run_start(actor=request.user,
                                                       params=form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Training run %(id)s queued.") % {"id": run.pk})
            return redirect("dois:training")
    return render(request, "dois/training.html", {
        "form": form, "versions": selectors.model_versions(), "runs": selectors.training_runs()},
        status=400 if form.errors else 200)


@permission_required("dois.train_model", raise_exception=True)
def training_run_status(request, pk: int):
    run = get_object_or_404(TrainingRun, pk=pk)
    return JsonResponse(selectors.training_run_status_data(run=run))


@require_POST
@permission_required("dois.activate_model", raise_exception=True)
def model_activate(request, pk: int):
    version = get_object_or_404(ModelVersion, pk=pk)
    try:
        services.model_version_activate(model_version=version, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Embedding the gallery with %(name)s; it becomes active "
                                    "when that is done.") % {"name": version.name})
    return redirect("dois:training")
