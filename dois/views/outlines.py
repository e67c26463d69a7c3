"""The outline page (issue 13): a photo's traced edge, tip and ends over its crop, and
the correction tool (accept, drag the tip and the ends, redraw the edge; ``outline.js``).
The same overlay and tool are on the job page and the review page, posting here."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.throttling import rate_limited
from dois import rules, selectors, services
from dois.forms import OutlineCorrectionForm
from dois.models import Photo


def _next(request) -> str | None:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return None


@require_http_methods(["GET", "POST"])
@rate_limited("uploads")
def photo_outline(request, pk: int):
    """The photo's current outline for whoever may see the photo; its uploader (until a
    researcher decided) and researchers may correct it, which re-identifies the photo."""
    photo = get_object_or_404(Photo.objects.select_related("sighting"), pk=pk)
    if not rules.photo_visible_to(photo=photo, user=request.user):
        raise Http404
    correctable = rules.photo_correctable_by(photo=photo, user=request.user)
    form = OutlineCorrectionForm(request.POST or None, initial={"revision": photo.revision})
    if request.method == "POST":
        if not correctable:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                edit = services.photo_outline_correct(
                    photo=photo, actor=request.user, action=data["action"], tip=data["tip"],
                    trailing_end=data["trailing_end"], leading_end=data["leading_end"],
                    trailing=data["trailing"], facing=data["facing"] or None,
                    base_revision=data["revision"], outline_id=data["outline"])
            except ValidationError as exc:
                for field, errors in getattr(exc, "message_dict",
                                             {None: exc.messages}).items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if edit is None:
                    messages.info(request, _("Nothing was changed."))
                else:
                    messages.success(request, _(
                        "Outline saved; the photo is being identified again."))
                back = _next(request)
                if back:
                    return redirect(back)
                if edit is not None and edit.job is not None:
                    return redirect("dois:job", pk=edit.job.pk)
                return redirect("dois:photo_outline", pk=photo.pk)
    outline = selectors.outline_current(photo=photo)
    job = selectors.photo_job_current(photo=photo)
    return render(request, "dois/photo_outline.html", {
        "photo": photo, "form": form, "correctable": correctable,
        "drawing": selectors.outline_drawing(outline=outline),
        "job": job,
        "flag": (selectors.outline_reason_text(reason=job.outline_reason)
                 if job is not None and job.outline_reason else ""),
        "history": selectors.outline_history(photo=photo),
        "review": rules.user_is_researcher(user=request.user)},
        status=400 if form.errors else 200)
