"""DoIs pages. Each view checks access, validates input and makes one service or
selector call; the rules are in :mod:`dois.services` and :mod:`dois.selectors`."""

from __future__ import annotations

import logging
import mimetypes
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.files import bytes_response, file_response
from common.images import ImageRejected
from common.throttling import rate_limited
from dois import exports, selectors, services
from dois import images as renderings
from dois.exports import OccasionLength
from dois.filters import IndividualFilter
from dois.forms import (
    ExportForm,
    IndividualForm,
    MergeForm,
    PhotoCorrectionForm,
    PhotosForm,
    SightingForm,
)
from dois.models import ExportRun, Individual, Photo

logger = logging.getLogger(__name__)
DERIVATIVES = tuple(renderings.DERIVATIVES)


def catalogue(request):
    filterset = IndividualFilter(request.GET, queryset=selectors.individual_list())
    page = Paginator(filterset.qs, 24).get_page(request.GET.get("page"))
    best = selectors.individuals_best_photos(individual_ids=[ind.pk for ind in page],
                                             user=request.user, limit=1)
    items = [(ind, next(iter(best[ind.pk]), None)) for ind in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "dois/catalogue.html", {
        "filter": filterset, "page": page, "items": items, "query": query.urlencode(),
        "rounding_km": settings.DOIS_PUBLIC_ROUNDING_KM})


def individual_detail(request, code: str):
    individual = selectors.individual_get(code=code, user=request.user)
    if individual is None:
        raise Http404
    if individual.merged_into_id:
        survivor = services.individual_resolve(individual=individual)
        return redirect(survivor, permanent=False)
    rows = selectors.individual_sightings(individual=individual, user=request.user)
    return render(request, "dois/individual.html", {
        "individual": individual,
        "photos": selectors.individual_best_photos(individual=individual, user=request.user,
                                                   limit=12),
        "sightings": rows,
        "points": selectors.map_points(rows=rows),
        "exact": selectors.user_sees_exact(user=request.user),
        "rounding_km": settings.DOIS_PUBLIC_ROUNDING_KM, "grid": range(80, 480, 80),
        "merge_form": MergeForm() if request.user.has_perm("dois.curate_catalogue") else None,
        "merged_in": (selectors.individual_merges_into(individual=individual)
                      if request.user.has_perm("dois.curate_catalogue") else []),
    })


@permission_required("dois.curate_catalogue", raise_exception=True)
@require_http_methods(["GET", "POST"])
def individual_edit(request, code: str):
    """Researchers curate an individual: nickname, sex, status, notes."""
    individual = selectors.individual_get(code=code, user=request.user)
    if individual is None:
        raise Http404
    if individual.merged_into_id:
        survivor = services.individual_resolve(individual=individual)
        return redirect("dois:individual_edit", code=survivor.code)
    form = IndividualForm(request.POST or None, individual=individual)
    if request.method == "POST" and form.is_valid():
        try:
            services.individual_update(individual=individual, user=request.user,
                                       **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("%(code)s was saved.") % {"code": individual.code})
            return redirect(individual)
    return render(request, "dois/individual_edit.html",
                  {"individual": individual, "form": form},
                  status=400 if form.errors else 200)


@permission_required("dois.curate_catalogue", raise_exception=True)
@require_http_methods(["GET", "POST"])
def individual_merge(request, code: str):
    """Merge an individual into another: a confirmation page with both individuals' best
    photos (GET, or a POST without ``confirm``), then the merge (POST with ``confirm``)."""
    source = selectors.individual_get(code=code, user=request.user)
    if source is None:
        raise Http404
    form = MergeForm(request.POST or request.GET or None)
    if form.is_bound and form.is_valid():
        target = form.cleaned_data["target"]
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                target = services.individual_merge(source=source, target=target,
                                                   user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(source)
            messages.success(request, _("%(source)s was merged into %(target)s. You can "
                                        "split it out again from %(target)s's page.") % {
                "source": source.code, "target": target.code})
            return redirect(target)
        return render(request, "dois/individual_merge.html", {
            "source": source, "target": target, "form": form,
            "sides": selectors.merge_preview(source=source, target=target,
                                             user=request.user)})
    return render(request, "dois/individual_merge.html", {
        "source": source, "target": None, "form": form},
        status=400 if form.is_bound else 200)


@permission_required("dois.curate_catalogue", raise_exception=True)
@require_http_methods(["GET", "POST"])
def individual_split(request, code: str):
    """Split a merged individual out again (confirmation page, then POST)."""
    source = get_object_or_404(Individual, code=code)
    merge = services.individual_merge_in_force(source=source)
    if merge is None:
        raise Http404
    if request.method == "POST":
        try:
            services.individual_split(source=source, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(merge.target)
        messages.success(request, _("%(source)s was split from %(target)s; its photos are "
                                    "back.") % {"source": source.code,
                                                "target": merge.target.code})
        return redirect(source)
    return render(request, "dois/individual_split.html", {
        "source": source, "merge": merge,
        "sides": selectors.merge_preview(source=source, target=merge.target,
                                         user=request.user, merge=merge)})


@login_required
@permission_required("dois.submit_photo", raise_exception=True)
@require_http_methods(["GET", "POST"])
@rate_limited("uploads")
def submit(request):
    results = None
    if request.method == "POST":
        sighting_form = SightingForm(request.POST, prefix="sighting")
        photos_form = PhotosForm(request.POST, request.FILES,
                                 files_list=request.FILES.getlist("images"))
        if sighting_form.is_valid() and photos_form.is_valid():
            sighting, results = services.sighting_with_photos_submit(
                uploaded_by=request.user, sighting_fields=sighting_form.cleaned_data,
                uploads=photos_form.cleaned_data["images"],
                options=photos_form.file_options())
            saved = sum(1 for r in results if r.photo)
            if saved:
                messages.success(request, _("%(saved)d of %(total)d photos saved.") % {
                    "saved": saved, "total": len(results)})
                if selectors.jobs_delayed_count(
                        job_ids=[r.job.pk for r in results if r.job]):
                    messages.warning(request, _(
                        "Identification is delayed: the job queue cannot be reached right "
                        "now. Your photos are saved and will be identified automatically "
                        "when it is back."))
            else:
                messages.error(request, _("No photo could be saved."))
            status = 200 if saved else 400
            return render(request, "dois/submit.html", {
                "sighting_form": SightingForm(prefix="sighting"), "photos_form": PhotosForm(),
                "results": results, "sighting": sighting}, status=status)
        status = 400
    else:
        sighting_form, photos_form, status = SightingForm(prefix="sighting"), PhotosForm(), 200
    return render(request, "dois/submit.html", {
        "sighting_form": sighting_form, "photos_form": photos_form, "results": results},
        status=status)


@login_required
def my_photos(request):
    photos = Paginator(selectors.photo_list_for_uploader(user=request.user), 48)
    return render(request, "dois/mine.html", {
        "page": photos.get_page(request.GET.get("page")),
        "agreement": selectors.volunteer_agreement(user=request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def photo_edit(request, pk: int):
    """Correct a photo's fin box, side and guess; the photo is then identified again.

    The volunteer who uploaded it may, until a researcher has decided it; researchers
    may always. Others get 404 (a photo they may not see) or 403.
    """
    photo = get_object_or_404(Photo.objects.select_related("proposed_individual"), pk=pk)
    if not selectors.photo_visible_to(photo=photo, user=request.user):
        raise Http404
    if not selectors.photo_correctable_by(photo=photo, user=request.user):
        raise PermissionDenied
    form = PhotoCorrectionForm(request.POST or None, photo=photo)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            edit = services.photo_correct(
                photo=photo, user=request.user, base_revision=data["revision"],
                correction=services.Correction(
                    crop=data["crop"], side=data["side"], guess=data["guess"]))
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if edit is None:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(request, _(
                    "Correction saved; the photo is being identified again."))
            if edit is not None and edit.job is not None:
                return redirect("dois:job", pk=edit.job.pk)
            return redirect("dois:photo_edit", pk=photo.pk)
    return render(request, "dois/photo_edit.html", {
        "photo": photo, "form": form,
        "edits": selectors.photo_edits(photo=photo),
        "review": request.user.has_perm("dois.review_photo")},
        status=400 if form.errors else 200)


def photo_image(request, pk: int, kind: str):
    """An EXIF-free rendering of a photo the user may see (404 otherwise)."""
    photo = get_object_or_404(Photo, pk=pk)
    if kind not in DERIVATIVES or not selectors.photo_visible_to(photo=photo,
                                                                 user=request.user):
        raise Http404
    try:
        data = services.photo_derivative(photo=photo, kind=kind)
    except (ImageRejected, OSError) as exc:  # the stored original is missing or broken
        logger.warning("photo %s: no %s rendering: %s", photo.pk, kind, exc)
        raise Http404 from exc
    return bytes_response(data=data, filename=f"photo-{photo.pk}-{kind}.jpg",
                          content_type="image/jpeg", inline=True)


@permission_required("dois.view_exact_location", raise_exception=True)
def photo_original(request, pk: int):
    """The original file, exactly as uploaded (with its EXIF): researchers only.

    Always an attachment, ``nosniff`` and sandboxed (:func:`common.files.file_response`).
    """
    photo = get_object_or_404(Photo, pk=pk)
    if not photo.original.name or not photo.original.storage.exists(photo.original.name):
        raise Http404
    # the volunteer's file name with the extension of the format we checked, so a photo
    # uploaded as "x.html" downloads as "x.jpg"
    stored = PurePosixPath(photo.original.name)
    stem = PurePosixPath(photo.original_name).stem or f"photo-{photo.pk}"
    return file_response(name=photo.original.name, filename=f"{stem}{stored.suffix}",
                         content_type=mimetypes.guess_type(stored.name)[0])


def _export_form(request, data=None) -> ExportForm:
    kinds = [k for k in services.KINDS
             if services.export_allowed(user=request.user, kind=k)]
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
                user=request.user, kind=data["kind"], start=data["start"], end=data["end"],
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
    runs = services.export_runs_recent(user=request.user)
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
    run = services.export_run_request(user=request.user,
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
        run = services.export_run_download(run=run, user=request.user)
    except ValidationError as exc:  # not ready (a PermissionDenied is a 403)
        raise Http404 from exc
    return file_response(name=run.file.name, filename=run.filename,
                         content_type=run.content_type)
