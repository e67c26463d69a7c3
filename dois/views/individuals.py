"""Catalogue pages: the list of individuals, one individual, editing, merging and
splitting one."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dois import rules, selectors, services
from dois.filters import IndividualFilter
from dois.forms import (
    IndividualForm,
    MergeForm,
)
from dois.models import Individual

logger = logging.getLogger(__name__)


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
        "exact": rules.user_sees_exact(user=request.user),
        "rounding_km": settings.DOIS_PUBLIC_ROUNDING_KM, "grid": range(80, 480, 80),
        "merge_form": MergeForm() if rules.user_curates(user=request.user) else None,
        "merged_in": (selectors.individual_merges_into(individual=individual)
                      if rules.user_curates(user=request.user) else []),
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
            services.individual_update(individual=individual, actor=request.user,
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
                                                   actor=request.user)
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
            services.individual_split(source=source, actor=request.user)
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
