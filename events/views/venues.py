"""Venue pages: the list, a venue with its events and versions; organisers create, edit
(keeping past events' addresses) and merge venues."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.forms import form_errors_add
from events import rules, selectors, services
from events.forms import VenueForm, VenueMergeForm
from events.models import Venue


def venue_list(request):
    return render(request, "events/venue_list.html", {
        "venues": selectors.venue_list(),
        "can_edit": rules.venue_can_edit(user=request.user)})


def venue_detail(request, pk: int):
    try:
        venue = selectors.venue_get(pk=pk)
    except Venue.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "events/venue_detail.html", {
        "venue": venue, "events": selectors.venue_events(venue=venue),
        "versions": selectors.venue_versions(venue=venue),
        "impact": services.venue_edit_impact(venue=venue),
        "can_edit": rules.venue_can_edit(user=request.user)})


@login_required
def venue_create(request):
    services.venue_edit_require(actor=request.user)
    form = VenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            venue = services.venue_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form=form, error=exc)
        else:
            messages.success(request, _("Venue saved."))
            return redirect(venue)
    return render(request, "events/venue_form.html", {"form": form, "venue": None})


@login_required
def venue_edit(request, pk: int):
    services.venue_edit_require(actor=request.user)
    venue = get_object_or_404(Venue, pk=pk)
    if not venue.is_current:
        messages.info(request, _("This is an old version kept for past events; edit the "
                                 "current one."))
        return redirect("events:venue_edit", pk=services.venue_current(venue=venue).pk)
    form = VenueForm(request.POST or None, initial=VenueForm.initial_for(venue))
    impact = services.venue_edit_impact(venue=venue)
    if request.method == "POST" and form.is_valid():
        try:
            saved, done = services.venue_update(actor=request.user, venue=venue,
                                                **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form=form, error=exc)
        else:
            if done.creates_version:
                messages.success(request, ngettext(
                    "Saved as a new version: %(past)s past event keeps the old address.",
                    "Saved as a new version: %(past)s past events keep the old address.",
                    done.past) % {"past": done.past})
            else:
                messages.success(request, _("Venue saved."))
            return redirect(saved)
    return render(request, "events/venue_form.html",
                  {"form": form, "venue": venue, "impact": impact})


@login_required
def venue_merge(request, pk: int):
    services.venue_edit_require(actor=request.user)
    keep = get_object_or_404(Venue.objects.current(), pk=pk)
    form = VenueMergeForm(request.POST or None, keep=keep)
    if request.method == "POST" and form.is_valid():
        try:
            impact = services.venue_merge(actor=request.user, keep=keep,
                                          duplicate=form.cleaned_data["duplicate"])
        except ValidationError as exc:
            form_errors_add(form=form, error=exc)
        else:
            messages.success(request, _(
                "Merged: %(upcoming)s upcoming events moved here; %(past)s past events "
                "keep their address.") % {"upcoming": impact.upcoming, "past": impact.past})
            return redirect(keep)
    return render(request, "events/venue_merge.html", {"form": form, "venue": keep})
