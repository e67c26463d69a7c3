"""The model leaderboard's pages: the board, submitting, a submission, promotion, and
the members' starter kit (the training-split dataset and the starter notebook)."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.files import bytes_response
from common.throttling import rate_limited
from dois import rules, selectors, services
from dois.forms import SubmissionForm
from dois.leaderboard_chart import history_svg

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "starter.ipynb"


def leaderboard(request):
    """Done submissions ranked by MAP@5 beside the active model, and the history chart."""
    services.leaderboard_refresh_soon()
    split = services.eval_split_current()
    rows = selectors.board_rows(split=split)
    active = next((r for r in rows if r.active_model), None)
    chart = history_svg(points=selectors.board_history(rows=rows), now=timezone.now(),
                        reference=active.metric("map5") if active else None,
                        reference_label=_("Active model"))
    return render(request, "dois/leaderboard.html", {
        "rows": rows, "split": split, "chart": chart, "active": active})


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("submissions")
def leaderboard_submit(request):
    """Submit a TFLite model; lists the member's own submissions."""
    if not request.user.has_perm("dois.submit_model"):
        raise PermissionDenied
    form = SubmissionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submission = services.submission_create(
                actor=request.user, upload=data["file"], name=data["name"],
                description=data["description"], notebook_url=data["notebook_url"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Model received: it is evaluated in the background."))
            return redirect(submission)
    return render(request, "dois/leaderboard_submit.html", {
        "form": form, "mine": selectors.submissions_of(user=request.user)[:50]},
        status=400 if form.errors else 200)


def leaderboard_submission(request, pk: int):
    """One submission: its state and figures (refreshes itself while it is evaluated)."""
    submission = selectors.submission_get(pk=pk, user=request.user)
    if submission is None:
        raise Http404
    return render(request, "dois/leaderboard_submission.html", {
        "submission": submission,
        "author": services.member_label(user=submission.submitted_by),
        "pending": submission.status in ("queued", "running"),
        "can_promote": rules.user_promotes(user=request.user)})


@require_POST
@permission_required("dois.activate_model", raise_exception=True)
def leaderboard_promote(request, pk: int):
    submission = selectors.submission_get(pk=pk, user=request.user)
    if submission is None:
        raise Http404
    try:
        version = services.submission_promote(submission=submission,
                                                          actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s was created from this submission; the gallery "
                                    "is being embedded with it, then it becomes the active "
                                    "model.") % {"name": version.name})
    return redirect(submission)


@require_POST
@permission_required("dois.activate_model", raise_exception=True)
def leaderboard_requeue(request, pk: int):
    submission = selectors.submission_get(pk=pk, user=request.user)
    if submission is None:
        raise Http404
    services.submission_requeue(submission=submission, actor=request.user)
    messages.success(request, _("The submission will be evaluated again."))
    return redirect(submission)


@login_required
@permission_required("dois.submit_model", raise_exception=True)
def leaderboard_dataset(request):
    """The members' dataset: the training split only (the evaluation split never leaves
    the server), public reference photos only."""
    path = services.members_dataset_zip()
    return bytes_response(data=path.read_bytes(), filename="dois-dataset-train.zip",
                          content_type="application/zip")


def leaderboard_notebook(request):
    """The starter notebook (load the dataset, train, export TFLite, submit)."""
    return bytes_response(data=NOTEBOOK.read_bytes(), filename="dois-starter.ipynb",
                          content_type="application/x-ipynb+json")
