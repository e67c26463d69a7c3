"""RSVP and attendance pages: a member answers or cancels; organisers check members in
and record head counts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events import services
from events.forms import RSVPForm, WalkInsForm
from events.models import RSVP, Event
from events.views.base import manage_action, managed_event


@require_POST
@login_required
def rsvp(request, slug: str):
    event = get_object_or_404(Event.objects.public(), slug=slug)
    form = RSVPForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose on site or online."))
        return redirect(event)
    try:
        answer = services.rsvp_create(actor=request.user, event=event,
                                      mode=form.cleaned_data["mode"],
                                      guests=form.cleaned_data["guests"],
                                      language=request.LANGUAGE_CODE)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(event)
    if answer.status == RSVP.Status.WAITLISTED:
        messages.warning(request, _("The event is full: you are on the waitlist. "
                                    "We will email you if a seat becomes free."))
    elif answer.wants_onsite:
        messages.warning(request, _("No seat is free on site: you stay registered online "
                                    "and are on the waitlist for a seat."))
    else:
        messages.success(request, _("You are registered. See you there!"))
    return redirect(event)


@require_POST
@login_required
def rsvp_cancel(request, slug: str):
    event = get_object_or_404(Event.objects.public(), slug=slug)
    services.rsvp_cancel(actor=request.user, event=event)
    messages.success(request, _("Your RSVP is cancelled."))
    return redirect(event)


@require_POST
@managed_event
def attendance_check_in(request, event: Event, pk: int):
    rsvp = get_object_or_404(RSVP, pk=pk, event=event)
    present = request.POST.get("present", "1") == "1"
    return manage_action(request, event,
                         lambda: services.attendance_check_in(actor=request.user, event=event,
                                                        rsvp=rsvp, present=present),
                         _("Check-in saved."))


@require_POST
@managed_event
def attendance_walk_ins(request, event: Event):
    form = WalkInsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Counts must be whole numbers of zero or more."))
        return redirect("events:manage", slug=event.slug)
    return manage_action(request, event,
                         lambda: services.attendance_walk_ins_set(
                       actor=request.user, event=event, **form.cleaned_data),
                         _("Head counts saved."))
