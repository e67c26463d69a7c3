"""The researcher's review pages: the queue, one photo, skip, undo from anywhere.

After a decision the next page is the photo after this one in the queue (not the
oldest), photos skipped in this session stay out of next and previous, and the
researcher's last few decisions are listed with links and undo buttons on every review
page; ``z`` undoes the last of them from wherever the researcher is.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dois import selectors, services
from dois.forms import DecisionForm
from dois.models import Decision, Photo


def _skipped(request) -> list[int]:
    return services.review_skipped(session=request.session)


def _back(request, fallback: str):
    """Where a POST came from (``next``, same site only), else ``fallback``."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _after(photo: Photo, skipped: list[int]):
    """The page after a decision on ``photo``: the next photo of the queue, else the queue."""
    following = selectors.review_neighbours(photo=photo, skipped=skipped).next_id
    if following is not None:
        return redirect("dois:review", pk=following)
    return redirect("dois:review_queue")


@permission_required("dois.review_photo", raise_exception=True)
def review_queue(request):
    skipped = _skipped(request)
    page = Paginator(selectors.review_queue(skipped=skipped), 50).get_page(
        request.GET.get("page"))
    return render(request, "dois/review_queue.html", {
        "page": page, "recent": selectors.decisions_recent(user=request.user),
        "skipped": list(selectors.review_skipped_photos(skipped=skipped))})


@permission_required("dois.review_photo", raise_exception=True)
@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    photo = get_object_or_404(Photo.objects.select_related("sighting", "proposed_individual",
                                                           "uploaded_by"), pk=pk)
    skipped = _skipped(request)
    form = DecisionForm(request.POST or None, photo=photo)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        together = [int(v) for v in request.POST.getlist("together") if v.isdigit()]
        try:
            if data["action"] == Decision.Action.UNDO:
                decisions = [services.decision_record(
                    photo=photo, action=data["action"], actor=request.user)]
            else:
                others = list(Photo.objects.filter(pk__in=together).exclude(pk=photo.pk)
                              .order_by("uploaded_at", "id"))
                decisions = services.decisions_record_together(
                    photos=[photo, *others], action=data["action"], actor=request.user,
                    individual=data["individual"], note=data["note"],
                    quality=data["quality"], side=data["side"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("dois:review", pk=photo.pk)
        decision = decisions[0]
        if len(decisions) > 1:
            messages.success(request, _(
                "Decision recorded for %(n)d photos of this sighting: %(action)s.") % {
                "n": len(decisions), "action": decision.get_action_display()})
        else:
            messages.success(request, _("Decision recorded: %(action)s.") % {
                "action": decision.get_action_display()})
        if decision.action == Decision.Action.UNDO:
            return redirect("dois:review", pk=photo.pk)
        return _after(photo, skipped)
    item = selectors.review_item(photo=photo, user=request.user)
    job = item.job
    return render(request, "dois/review.html", {
        "item": item, "form": form, "prefix": settings.DOIS_CATALOGUE_PREFIX,
        "drawing": selectors.outline_drawing(
            outline=selectors.outline_current(photo=photo)),
        "flag": (selectors.outline_reason_text(reason=job.outline_reason)
                 if job is not None and job.status == "done" and job.outline_reason else ""),
        "next_url": request.get_full_path(),
        "nav": selectors.review_neighbours(photo=photo, skipped=skipped),
        "is_skipped": photo.pk in skipped,
        "recent": selectors.decisions_recent(user=request.user)},
        status=400 if form.errors else 200)


@require_POST
@permission_required("dois.review_photo", raise_exception=True)
def review_skip(request, pk: int):
    """Skip a photo for the rest of this session and go on to the next one."""
    photo = get_object_or_404(Photo, pk=pk)
    skipped = services.review_skip(session=request.session, photo_id=photo.pk)
    messages.info(request, _("Photo %(id)s skipped for this session; it waits at the end "
                             "of the queue page.") % {"id": photo.pk})
    return _after(photo, skipped)


@require_POST
@permission_required("dois.review_photo", raise_exception=True)
def review_unskip(request, pk: int | None = None):
    """Put a skipped photo (or all of them) back into next and previous."""
    services.review_unskip(session=request.session, photo_id=pk)
    return _back(request, "dois:review_queue")


@require_POST
@permission_required("dois.review_photo", raise_exception=True)
def decision_undo(request, pk: int):
    """Undo one of the researcher's recent decisions (listed on every review page)."""
    decision = get_object_or_404(Decision.objects.select_related("photo"), pk=pk)
    try:
        undos = services.decision_undo(decision=decision, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(request, "dois:review_queue")
    return _undone(request, undos)


@require_POST
@permission_required("dois.review_photo", raise_exception=True)
def decision_undo_last(request):
    """``z`` on any review page: undo the researcher's own last decision."""
    try:
        undos = services.decision_undo_last(actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(request, "dois:review_queue")
    return _undone(request, undos)


def _undone(request, undos: list[Decision]):
    """Back to the photo whose decision was undone, to decide it again."""
    photo = undos[0].photo
    if len(undos) > 1:
        messages.success(request, _("Undone for %(n)d photos of one encounter.")
                         % {"n": len(undos)})
    else:
        messages.success(request, _("Undone: photo %(id)s waits for a decision again.")
                         % {"id": photo.pk})
    return redirect("dois:review", pk=photo.pk)


@permission_required("dois.review_photo", raise_exception=True)
def review_compare(request, pk: int, code: str):
    """The photo under review beside one candidate's photos, zoomable and synchronised
    (``compare.js``); the candidate's other photos are one key away."""
    photo = get_object_or_404(Photo.objects.select_related("sighting"), pk=pk)
    view = selectors.compare_view(photo=photo, code=code, user=request.user)
    if view is None:
        raise Http404
    return render(request, "dois/review_compare.html", {
        "photo": photo, "view": view, "form": DecisionForm(photo=photo)})
