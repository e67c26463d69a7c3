"""Photo pages: submitting, the uploader's photos, correcting one, its images."""

from __future__ import annotations

import logging
import mimetypes
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.files import bytes_response, file_response
from common.images import ImageRejected
from common.throttling import rate_limited
from dois import images as renderings
from dois import rules, selectors, services
from dois.forms import (
    PhotoCorrectionForm,
    PhotosForm,
    SightingForm,
)
from dois.models import Photo

logger = logging.getLogger(__name__)


DERIVATIVES = tuple(renderings.DERIVATIVES)


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
                actor=request.user, sighting_fields=sighting_form.cleaned_data,
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
    if not rules.photo_visible_to(photo=photo, user=request.user):
        raise Http404
    if not rules.photo_correctable_by(photo=photo, user=request.user):
        raise PermissionDenied
    form = PhotoCorrectionForm(request.POST or None, photo=photo)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            edit = services.photo_correct(
                photo=photo, actor=request.user, base_revision=data["revision"],
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
        "review": rules.user_is_researcher(user=request.user)},
        status=400 if form.errors else 200)


def photo_image(request, pk: int, kind: str):
    """An EXIF-free rendering of a photo the user may see (404 otherwise)."""
    photo = get_object_or_404(Photo, pk=pk)
    if kind not in DERIVATIVES or not rules.photo_visible_to(photo=photo,
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
