"""Media pages: recordings, materials (with the rendered notebook) and photos, and their
stored files, served only after a visibility check."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.forms import form_errors_add
from common.throttling import rate_limited
from events import selectors, services
from events.filetypes import served_inline
from events.forms import CaptionForm, MaterialForm, PhotoUploadForm, RecordingForm
from events.models import Event, Material, Photo, Recording
from events.rendering import NotebookError, notebook_render
from events.views.base import (
    manage_action,
    manage_delete_page,
    manage_form_page,
    managed_event,
    stored_file,
)


def material_notebook(request, slug: str, pk: int):
    try:
        material = selectors.material_get_notebook(event_slug=slug, pk=pk, user=request.user)
    except Material.DoesNotExist as exc:
        raise Http404 from exc
    try:
        with material.file.open("rb") as fh:
            html = notebook_render(content=fh.read())
    except (OSError, NotebookError):
        html = None  # the page says so and offers the download
    return render(request, "events/notebook.html", {"material": material, "html": html,
                                                     "event": material.event})


@require_GET
def material_file(request, slug: str, pk: int):
    """A material's file: an attachment (a re-encoded image may show inline)."""
    try:
        material = selectors.material_get_file(event_slug=slug, pk=pk, user=request.user)
    except Material.DoesNotExist as exc:
        raise Http404 from exc
    return stored_file(name=material.file.name, filename=material.download_name,
                       inline=served_inline(material.file.name),
                       private=not material.event.is_public)


@require_GET
def photo_file(request, slug: str, pk: int, thumbnail: bool = False):
    """An uploaded event photo (or its thumbnail), re-encoded without EXIF."""
    try:
        photo = selectors.photo_get_file(event_slug=slug, pk=pk, user=request.user)
    except Photo.DoesNotExist as exc:
        raise Http404 from exc
    thumbnail = thumbnail and bool(photo.thumbnail)
    stored = photo.thumbnail if thumbnail else photo.image
    suffix = "-thumb" if thumbnail else ""
    extension = stored.name.rsplit(".", 1)[-1] if "." in stored.name else "jpg"
    return stored_file(name=stored.name, filename=f"{slug}-{photo.pk}{suffix}.{extension}",
                       inline=True, private=not photo.event.is_public)


@managed_event
def recording_add(request, event: Event):
    form = RecordingForm(request.POST or None, event=event)
    return manage_form_page(request, event, form, _("Add a recording"),
                            lambda d: services.recording_add(
                          actor=request.user, event=event, title=d["title"], url=d["url"],
                          kind=d["kind"], provider=d["provider"],
                          access_code=d["access_code"], duration=d["duration"],
                          talk=d["talk"]))


@managed_event
def recording_edit(request, event: Event, pk: int):
    recording = get_object_or_404(Recording, pk=pk, event=event)
    form = RecordingForm(request.POST or None, event=event,
                         initial=RecordingForm.initial_for(recording))
    return manage_form_page(request, event, form, _("Edit the recording"),
                            lambda d: services.recording_update(
                          actor=request.user, recording=recording, title=d["title"],
                          url=d["url"], kind=d["kind"], provider=d["provider"],
                          access_code=d["access_code"], duration=d["duration"],
                          talk=d["talk"]))


@require_http_methods(["GET", "POST"])
@managed_event
def recording_delete(request, event: Event, pk: int):
    recording = get_object_or_404(Recording, pk=pk, event=event)
    return manage_delete_page(
        request, event, obj=recording, kind=_("recording"),
        consequence=_("Only the entry on this site is deleted; the video or audio stays "
                      "where it is hosted."),
        delete=lambda: services.recording_delete(actor=request.user, recording=recording))


@managed_event
@rate_limited("uploads")
def material_add(request, event: Event):
    form = MaterialForm(request.POST or None, request.FILES or None, event=event)
    return manage_form_page(request, event, form, _("Add slides, code or a notebook"),
                            lambda d: services.material_add(
                          actor=request.user, event=event, title=d["title"], kind=d["kind"],
                          url=d["url"], upload=d["file"], talk=d["talk"]), multipart=True)


@managed_event
@rate_limited("uploads")
def material_edit(request, event: Event, pk: int):
    material = get_object_or_404(Material, pk=pk, event=event)
    form = MaterialForm(request.POST or None, request.FILES or None, event=event,
                        material=material, initial=MaterialForm.initial_for(material))
    return manage_form_page(request, event, form, _("Edit the material"),
                            lambda d: services.material_update(
                          actor=request.user, material=material, title=d["title"],
                          kind=d["kind"], url=d["url"], upload=d["file"], talk=d["talk"]),
                            multipart=True)


@require_http_methods(["GET", "POST"])
@managed_event
def material_delete(request, event: Event, pk: int):
    material = get_object_or_404(Material, pk=pk, event=event)
    return manage_delete_page(
        request, event, obj=material, kind=_("material"),
        consequence=_("Its uploaded file is deleted too."),
        delete=lambda: services.material_delete(actor=request.user, material=material))


@managed_event
@rate_limited("uploads")
def photos_upload(request, event: Event):
    """Each file is kept or refused on its own; the refused ones are named with the reason
    (on the form when none was kept, as messages on the manage page otherwise)."""
    form = PhotoUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.photos_upload(actor=request.user, event=event,
                                            uploads=form.cleaned_data["photos"],
                                            caption=form.cleaned_data["caption"])
        except ValidationError as exc:
            form_errors_add(form=form, error=exc)
        else:
            refused = [_("%(name)s was not saved: %(reason)s") % {"name": name, "reason": reason}
                       for name, reason in report.refused]
            if report.saved:
                for text in refused:
                    messages.warning(request, text)
                messages.success(request, ngettext(
                    "%(count)s photo saved.", "%(count)s photos saved.", len(report.saved))
                    % {"count": len(report.saved)})
                return redirect("events:manage", slug=event.slug)
            form.add_error("photos", refused)
    return render(request, "events/organiser_form.html",
                  {"form": form, "event": event, "page_title": _("Upload photos"),
                   "multipart": True})


@require_POST
@managed_event
def photo_caption(request, event: Event, pk: int):
    photo = get_object_or_404(Photo, pk=pk, event=event)
    form = CaptionForm(request.POST)
    form.is_valid()
    return manage_action(request, event,
                         lambda: services.photo_caption_set(actor=request.user, photo=photo,
                                                      caption=form.cleaned_data.get("caption", "")),
                         _("Caption saved."))


@require_http_methods(["GET", "POST"])
@managed_event
def photo_delete(request, event: Event, pk: int):
    photo = get_object_or_404(Photo, pk=pk, event=event)
    return manage_delete_page(
        request, event, obj=photo, kind=_("photo"),
        consequence=_("The image and its thumbnail are deleted too."),
        delete=lambda: services.photo_delete(actor=request.user, photo=photo))
