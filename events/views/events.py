"""Event pages: lists, the event page, tags, series, search and calendars; the organiser's
pages that create, edit, publish, cancel, delete and copy an event and name its
organisers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from common.forms import form_errors_add
from events import feeds, rules, selectors, services
from events.forms import (
    CopyForm,
    EventForm,
    OrganiserForm,
    ProposalDecisionForm,
    RSVPForm,
    SearchForm,
    WalkInsForm,
)
from events.models import RSVP, Event, Series, Tag
from events.views.base import manage_action, managed_event


def event_list(request):
    return render(request, "events/event_list.html", {
        "upcoming": selectors.event_list_upcoming(),
        "cancelled": selectors.event_list_cancelled_upcoming(),
        "past": selectors.event_list_past(),
        "can_create": rules.event_can_create(user=request.user),
    })


def event_detail(request, slug: str):
    try:
        event = selectors.event_get_visible(slug=slug, user=request.user)
    except Event.DoesNotExist as exc:
        raise Http404 from exc
    context = selectors.event_detail(event=event, user=request.user)
    rsvp = context["rsvp"]
    context["rsvp_form"] = RSVPForm(initial={
        "mode": rsvp.mode if rsvp and rsvp.is_active else RSVP.Mode.ONSITE,
        "guests": rsvp.guests if rsvp and rsvp.is_active else 0})
    return render(request, "events/event_detail.html", context)


def tag_detail(request, slug: str):
    try:
        tag = selectors.tag_get(slug=slug)
    except Tag.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "events/tag_detail.html",
                  {"tag": tag, **selectors.tag_items(tag=tag)})


def series_detail(request, slug: str):
    try:
        series = selectors.series_get(slug=slug)
    except Series.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "events/series_detail.html", {
        "series": series, "events": selectors.series_events(series=series)})


def search(request):
    form = SearchForm(request.GET or None)
    results = {"events": [], "talks": [], "posts": [], "query": ""}
    if form.is_valid():
        results = selectors.search(query=form.cleaned_data["q"])
    return render(request, "events/search.html", {"form": form, **results})


def event_ics(request, slug: str):
    event = get_object_or_404(Event.objects.public().select_related("venue"), slug=slug)
    body = feeds.ical_for_events(events=[event], base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{event.slug}.ics")
    return response


def calendar_ics(request):
    body = feeds.ical_for_events(events=selectors.event_list_calendar(),
                                 base_url=request.build_absolute_uri("/"), name=True)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


def events_atom(request):
    body = feeds.atom_events(events=selectors.event_list_calendar()[:50],
                             base_url=request.build_absolute_uri("/"),
                             self_url=request.build_absolute_uri())
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


def _venue_from(request, data: dict):
    """The venue picked, or a new one from the form's new-venue fields. An event's form
    never edits a venue: that is done on the venue's own page."""
    if not data.get("venue_name"):
        return data.get("venue")
    return services.venue_create(
        actor=request.user, name=data["venue_name"],
        address=data.get("venue_address", ""), latitude=data.get("venue_latitude"),
        longitude=data.get("venue_longitude"), directions=data.get("venue_directions", ""),
        map_url=data.get("venue_map_url", ""))


def _series_from(data: dict):
    if data.get("new_series"):
        return services.series_get_or_create(name=data["new_series"])
    return data.get("series")


def _challenge_fields(data: dict) -> dict:
    return {name: data[name] for name in ("model_night", "challenge_opens_at",
                                          "challenge_closes_at")}


@login_required
def event_create(request):
    services.event_create_require(actor=request.user)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                event = services.event_create(
                    actor=request.user, title=data["title"], description=data["description"],
                    title_zh=data["title_zh"], description_zh=data["description_zh"],
                    starts_at=data["starts_at"], ends_at=data["ends_at"],
                    timezone_name=data["timezone"], capacity=data["capacity"],
                    stream_url=data["stream_url"], venue=_venue_from(request, data),
                    series=_series_from(data), tags=data["tag_names"],
                    rsvp_deadline=data["rsvp_deadline"], max_guests=data["max_guests"],
                    **_challenge_fields(data))
        except ValidationError as exc:
            form_errors_add(form=form, error=exc)
        else:
            messages.success(request, _("Draft saved. Preview it, then publish."))
            return redirect("events:manage", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@managed_event
def event_edit(request, event: Event):
    form = EventForm(request.POST or None, initial=EventForm.initial_for(event), event=event)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.event_update(
                    actor=request.user, event=event, title=data["title"],
                    description=data["description"], title_zh=data["title_zh"],
                    description_zh=data["description_zh"], starts_at=data["starts_at"],
                    ends_at=data["ends_at"], timezone=data["timezone"],
                    capacity=data["capacity"], stream_url=data["stream_url"],
                    venue=_venue_from(request, data), series=_series_from(data),
                    tags=data["tag_names"], rsvp_deadline=data["rsvp_deadline"],
                    max_guests=data["max_guests"], **_challenge_fields(data))
        except ValidationError as exc:
            form_errors_add(form=form, error=exc)
        else:
            messages.success(request, _("Event saved."))
            return redirect("events:manage", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "event": event})


@managed_event
def event_manage(request, event: Event):
    return render(request, "events/event_manage.html", {
        "event": event,
        "rsvps": selectors.rsvp_list(event=event),
        "attendance": selectors.attendance_counts(event=event),
        "seats": selectors.event_seats(event=event),
        "walk_ins_form": WalkInsForm(initial={"onsite": event.walk_ins_onsite,
                                              "online": event.walk_ins_online}),
        "talks": selectors.talks_with_lineup(event.talks.all()),
        "recordings": event.recordings.all(),
        "materials": event.materials.all(),
        "photos": event.photos.all(),
        "posts": event.posts.all(),
        "organisers": event.organisers.order_by("username"),
        "organiser_form": OrganiserForm(),
        "proposals": selectors.proposal_list_for_event(event=event),
        "decision_form": ProposalDecisionForm(),
        "can_delete": rules.event_can_delete(event=event),
    })


@require_POST
@managed_event
def event_publish(request, event: Event):
    return manage_action(request, event,
                         lambda: services.event_publish(actor=request.user, event=event),
                         _("The event is published."))


@require_POST
@managed_event
def event_unpublish(request, event: Event):
    return manage_action(request, event,
                         lambda: services.event_unpublish(actor=request.user, event=event),
                         _("The event is a draft again; only its organisers see it."))


@require_http_methods(["GET", "POST"])
@managed_event
def event_cancel(request, event: Event):
    """GET: say who will be emailed and ask; POST: cancel (a second time does nothing)."""
    if request.method == "POST":
        try:
            _event, queued = services.event_cancel(actor=request.user, event=event)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if queued:
                messages.success(request, ngettext(
                    "The event is cancelled; %(n)s member will get an email.",
                    "The event is cancelled; %(n)s members will get an email.", queued)
                    % {"n": queued})
            else:
                messages.success(request, _("The event is cancelled."))
        return redirect("events:manage", slug=event.slug)
    if event.is_cancelled:
        messages.info(request, _("This event is cancelled already."))
        return redirect("events:manage", slug=event.slug)
    return render(request, "events/event_cancel.html", {
        "event": event, "recipients": services.event_cancel_recipients(event=event)})


@require_http_methods(["GET", "POST"])
@managed_event
def event_delete(request, event: Event):
    if request.method == "POST":
        try:
            services.event_delete(actor=request.user, event=event)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("events:manage", slug=event.slug)
        messages.success(request, _("“%(title)s” is deleted.") % {"title": event.title})
        return redirect("events:list")
    if not rules.event_can_delete(event=event):
        messages.error(request, _("Members have answered this event: cancel it instead."))
        return redirect("events:manage", slug=event.slug)
    return render(request, "events/confirm_delete.html", {
        "event": event, "object": event, "kind": _("event"),
        "consequence": _("Its talks, recordings, materials, photos and summary posts are "
                         "deleted too, with their files."),
        "page_title": _("Delete %(kind)s “%(name)s”?") % {"kind": _("event"),
                                                          "name": event.title}})


@require_POST
@managed_event
def organiser_add(request, event: Event):
    form = OrganiserForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a username."))
        return redirect("events:manage", slug=event.slug)
    return manage_action(request, event,
                         lambda: services.event_organiser_add(
                       actor=request.user, event=event, username=form.cleaned_data["username"]),
                         _("Organiser added."))


@require_POST
@managed_event
def organiser_remove(request, event: Event, pk: int):
    user = get_object_or_404(event.organisers.all(), pk=pk)
    return manage_action(request, event,
                         lambda: services.event_organiser_remove(actor=request.user, event=event,
                                                           user=user),
                         _("Organiser removed."))


@managed_event
def event_copy(request, event: Event):
    form = CopyForm(request.POST or None, event=event, initial=CopyForm.initial_for(event))
    if request.method == "POST" and form.is_valid():
        new = services.event_copy(actor=request.user, event=event,
                                  starts_at=form.cleaned_data["starts_at"],
                                  title=form.cleaned_data["title"])
        messages.success(request, _("Copied as a new draft."))
        return redirect("events:edit", slug=new.slug)
    return render(request, "events/event_copy.html", {"form": form, "event": event})
