"""Pages of the events app. Each view reads a form and makes one service or selector call."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.files import file_response
from common.throttling import rate_limited
from events import feeds, selectors, services, services_proposals, services_venues
from events.filetypes import content_type_for, served_inline
from events.forms import (
    CaptionForm,
    CopyForm,
    EventForm,
    MaterialForm,
    OrganiserForm,
    PhotoUploadForm,
    PostForm,
    PostImportForm,
    ProposalDecisionForm,
    ProposalForm,
    RecordingForm,
    RSVPForm,
    SearchForm,
    SpeakerForm,
    TalkForm,
    VenueForm,
    VenueMergeForm,
    WalkInsForm,
)
from events.models import (
    RSVP,
    Event,
    Material,
    Photo,
    Post,
    Recording,
    Series,
    Speaker,
    Tag,
    Talk,
    TalkProposal,
    Venue,
)
from events.rendering import NotebookError, notebook_render


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def managed_event(view):
    """Load the event by slug and require that the user may manage it (403 otherwise)."""

    @wraps(view)
    @login_required
    def wrapper(request, slug: str, *args, **kwargs):
        event = get_object_or_404(Event, slug=slug)
        if not services.event_can_manage(user=request.user, event=event):
            raise PermissionDenied(_("Only the organisers of this event may change it."))
        return view(request, event, *args, **kwargs)

    return wrapper


# --- public pages ----------------------------------------------------------------------

def event_list(request):
    return render(request, "events/event_list.html", {
        "upcoming": selectors.event_list_upcoming(),
        "cancelled": selectors.event_list_cancelled_upcoming(),
        "past": selectors.event_list_past(),
        "can_create": services.event_can_create(user=request.user),
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


# --- stored files: only after a visibility check, never as active content --------------

def _stored(*, name: str, filename: str, inline: bool, private: bool):
    try:
        return file_response(name=name, filename=filename, content_type=content_type_for(name),
                             inline=inline, private=private)
    except FileNotFoundError as exc:
        raise Http404 from exc


@require_GET
def material_file(request, slug: str, pk: int):
    """A material's file: an attachment (a re-encoded image may show inline)."""
    try:
        material = selectors.material_get_file(event_slug=slug, pk=pk, user=request.user)
    except Material.DoesNotExist as exc:
        raise Http404 from exc
    return _stored(name=material.file.name, filename=material.download_name,
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
    return _stored(name=stored.name, filename=f"{slug}-{photo.pk}{suffix}.{extension}",
                   inline=True, private=not photo.event.is_public)


def speaker_detail(request, slug: str):
    try:
        speaker = selectors.speaker_get(slug=slug, user=request.user)
    except Speaker.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "events/speaker_detail.html", {
        "speaker": speaker,
        "can_edit": services.speaker_can_edit(user=request.user, speaker=speaker)})


@require_GET
def speaker_photo(request, slug: str):
    """A speaker's photo (re-encoded without EXIF), where the speaker's page is visible."""
    try:
        speaker = selectors.speaker_get_photo(slug=slug, user=request.user)
    except Speaker.DoesNotExist as exc:
        raise Http404 from exc
    return _stored(name=speaker.photo.name, filename=f"{speaker.slug}.jpg", inline=True,
                   private=False)


@login_required
@rate_limited("uploads")
def speaker_edit(request, slug: str):
    try:
        speaker = selectors.speaker_get_editable(slug=slug, user=request.user)
    except Speaker.DoesNotExist as exc:
        raise PermissionDenied(_("Only organisers, or the speaker themself, may edit this "
                                 "profile.")) from exc
    can_link = services.speaker_can_edit(user=request.user)
    form = SpeakerForm(request.POST or None, request.FILES or None, can_link=can_link,
                       initial=SpeakerForm.initial_for(speaker))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            speaker = services.speaker_update(
                actor=request.user, speaker=speaker, name=data["name"], bio=data["bio"],
                url=data["url"], username=data.get("username") if can_link else None,
                photo=data["photo"], photo_clear=data["photo_clear"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(speaker)
    return render(request, "events/speaker_form.html", {"form": form, "speaker": speaker})


def speaker_list(request):
    return render(request, "events/speaker_list.html", {"speakers": selectors.speaker_list()})


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


def post_list(request):
    return render(request, "events/post_list.html", {
        "posts": selectors.post_list_public(language=request.LANGUAGE_CODE),
        "can_import": services.post_can_import(user=request.user)})


def post_detail(request, slug: str):
    try:
        post = selectors.post_get_visible(slug=slug, user=request.user)
    except Post.DoesNotExist as exc:
        raise Http404 from exc
    translation = post.translation
    if translation is not None and not (translation.event is None or translation.event.is_public
                                        or services.event_can_manage(user=request.user,
                                                                     event=translation.event)):
        translation = None
    return render(request, "events/post_detail.html", {"post": post,
                                                       "translation": translation})


def search(request):
    form = SearchForm(request.GET or None)
    results = {"events": [], "talks": [], "posts": [], "query": ""}
    if form.is_valid():
        results = selectors.search(query=form.cleaned_data["q"])
    return render(request, "events/search.html", {"form": form, **results})


# --- feeds -----------------------------------------------------------------------------

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


def posts_atom(request):
    body = feeds.atom_posts(posts=selectors.post_list_public(language=request.LANGUAGE_CODE)[:50],
                            base_url=request.build_absolute_uri("/"),
                            self_url=request.build_absolute_uri())
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


# --- RSVP ------------------------------------------------------------------------------

@require_POST
@login_required
def rsvp(request, slug: str):
    event = get_object_or_404(Event.objects.public(), slug=slug)
    form = RSVPForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose on site or online."))
        return redirect(event)
    try:
        answer = services.rsvp_create(event=event, user=request.user,
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
    services.rsvp_cancel(event=event, user=request.user)
    messages.success(request, _("Your RSVP is cancelled."))
    return redirect(event)


# --- organiser pages -------------------------------------------------------------------

def _venue_from(request, data: dict):
    """The venue picked, or a new one from the form's new-venue fields. An event's form
    never edits a venue: that is done on the venue's own page."""
    if not data.get("venue_name"):
        return data.get("venue")
    return services_venues.venue_create(
        actor=request.user, name=data["venue_name"],
        address=data.get("venue_address", ""), latitude=data.get("venue_latitude"),
        longitude=data.get("venue_longitude"), directions=data.get("venue_directions", ""),
        map_url=data.get("venue_map_url", ""))


def _series_from(data: dict):
    if data.get("new_series"):
        return services.series_get_or_create(name=data["new_series"])
    return data.get("series")


@login_required
def event_create(request):
    if not services.event_can_create(user=request.user):
        raise PermissionDenied(_("Only organisers may create events."))
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
                    rsvp_deadline=data["rsvp_deadline"], max_guests=data["max_guests"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
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
                    max_guests=data["max_guests"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
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
        "can_delete": services.event_can_delete(event=event),
    })


def _action(request, event: Event, call, success: str):
    try:
        call()
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, success)
    return redirect("events:manage", slug=event.slug)


@require_POST
@managed_event
def event_publish(request, event: Event):
    return _action(request, event,
                   lambda: services.event_publish(actor=request.user, event=event),
                   _("The event is published."))


@require_POST
@managed_event
def event_unpublish(request, event: Event):
    return _action(request, event,
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
    if not services.event_can_delete(event=event):
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
    return _action(request, event,
                   lambda: services.event_organiser_add(
                       actor=request.user, event=event, username=form.cleaned_data["username"]),
                   _("Organiser added."))


@require_POST
@managed_event
def organiser_remove(request, event: Event, pk: int):
    user = get_object_or_404(event.organisers.all(), pk=pk)
    return _action(request, event,
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


@require_POST
@managed_event
def attendance_check_in(request, event: Event, pk: int):
    rsvp = get_object_or_404(RSVP, pk=pk, event=event)
    present = request.POST.get("present", "1") == "1"
    return _action(request, event,
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
    return _action(request, event,
                   lambda: services.attendance_walk_ins_set(
                       actor=request.user, event=event, **form.cleaned_data),
                   _("Head counts saved."))


def _form_page(request, event: Event, form, title: str, save, multipart: bool = False):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("events:manage", slug=event.slug)
    return render(request, "events/organiser_form.html",
                  {"form": form, "event": event, "page_title": title, "multipart": multipart})


def _delete_page(request, event: Event, *, obj, kind: str, consequence: str, delete):
    """GET: ask for confirmation; POST: delete and go back to the manage page."""
    if request.method == "POST":
        return _action(request, event, delete,
                       _("%(kind)s “%(name)s” deleted.") % {"kind": kind, "name": obj})
    return render(request, "events/confirm_delete.html", {
        "event": event, "object": obj, "kind": kind, "consequence": consequence,
        "page_title": _("Delete %(kind)s “%(name)s”?") % {"kind": kind, "name": obj}})


@managed_event
def talk_add(request, event: Event):
    form = TalkForm(request.POST or None, event=event)
    return _form_page(request, event, form, _("Add a talk"), lambda d: services.talk_add(
        actor=request.user, event=event, title=d["title"], speaker_names=d["speaker_names"],
        abstract=d["abstract"], starts_at=d["starts_at"],
        remote_speakers=d["remote_speakers"], title_zh=d["title_zh"],
        abstract_zh=d["abstract_zh"]))


@managed_event
def talk_edit(request, event: Event, pk: int):
    talk = get_object_or_404(Talk, pk=pk, event=event)
    form = TalkForm(request.POST or None, event=event, initial=TalkForm.initial_for(talk))
    return _form_page(request, event, form, _("Edit the talk"), lambda d: services.talk_update(
        actor=request.user, talk=talk, title=d["title"], speaker_names=d["speaker_names"],
        abstract=d["abstract"], starts_at=d["starts_at"],
        remote_speakers=d["remote_speakers"], title_zh=d["title_zh"],
        abstract_zh=d["abstract_zh"]))


@require_http_methods(["GET", "POST"])
@managed_event
def talk_delete(request, event: Event, pk: int):
    talk = get_object_or_404(Talk, pk=pk, event=event)
    return _delete_page(
        request, event, obj=talk, kind=_("talk"),
        consequence=_("Its recordings and materials stay with the event; the speakers keep "
                      "their profiles."),
        delete=lambda: services.talk_delete(actor=request.user, talk=talk))


@managed_event
def recording_add(request, event: Event):
    form = RecordingForm(request.POST or None, event=event)
    return _form_page(request, event, form, _("Add a recording"),
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
    return _form_page(request, event, form, _("Edit the recording"),
                      lambda d: services.recording_update(
                          actor=request.user, recording=recording, title=d["title"],
                          url=d["url"], kind=d["kind"], provider=d["provider"],
                          access_code=d["access_code"], duration=d["duration"],
                          talk=d["talk"]))


@require_http_methods(["GET", "POST"])
@managed_event
def recording_delete(request, event: Event, pk: int):
    recording = get_object_or_404(Recording, pk=pk, event=event)
    return _delete_page(
        request, event, obj=recording, kind=_("recording"),
        consequence=_("Only the entry on this site is deleted; the video or audio stays "
                      "where it is hosted."),
        delete=lambda: services.recording_delete(actor=request.user, recording=recording))


@managed_event
@rate_limited("uploads")
def material_add(request, event: Event):
    form = MaterialForm(request.POST or None, request.FILES or None, event=event)
    return _form_page(request, event, form, _("Add slides, code or a notebook"),
                      lambda d: services.material_add(
                          actor=request.user, event=event, title=d["title"], kind=d["kind"],
                          url=d["url"], upload=d["file"], talk=d["talk"]), multipart=True)


@managed_event
@rate_limited("uploads")
def material_edit(request, event: Event, pk: int):
    material = get_object_or_404(Material, pk=pk, event=event)
    form = MaterialForm(request.POST or None, request.FILES or None, event=event,
                        material=material, initial=MaterialForm.initial_for(material))
    return _form_page(request, event, form, _("Edit the material"),
                      lambda d: services.material_update(
                          actor=request.user, material=material, title=d["title"],
                          kind=d["kind"], url=d["url"], upload=d["file"], talk=d["talk"]),
                      multipart=True)


@require_http_methods(["GET", "POST"])
@managed_event
def material_delete(request, event: Event, pk: int):
    material = get_object_or_404(Material, pk=pk, event=event)
    return _delete_page(
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
            _errors_to_form(form, exc)
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
    return _action(request, event,
                   lambda: services.photo_caption_set(actor=request.user, photo=photo,
                                                      caption=form.cleaned_data.get("caption", "")),
                   _("Caption saved."))


@require_http_methods(["GET", "POST"])
@managed_event
def photo_delete(request, event: Event, pk: int):
    photo = get_object_or_404(Photo, pk=pk, event=event)
    return _delete_page(
        request, event, obj=photo, kind=_("photo"),
        consequence=_("The image and its thumbnail are deleted too."),
        delete=lambda: services.photo_delete(actor=request.user, photo=photo))


@managed_event
def post_edit(request, event: Event, pk: int | None = None):
    post = get_object_or_404(Post, pk=pk, event=event) if pk else None
    initial = {"language": request.LANGUAGE_CODE, "title": event.title}
    if post:
        initial = {"title": post.title, "description": post.description, "author": post.author,
                   "language": post.language, "categories": " ".join(post.categories),
                   "tags": " ".join(t.name for t in post.tags.all()), "body": post.body,
                   "translation": post.translation_id}
    form = PostForm(request.POST or None, initial=initial, event=event, post=post)

    def save(d):
        with transaction.atomic():
            saved = services.post_save(
                actor=request.user, event=event, post=post, title=d["title"], body=d["body"],
                description=d["description"], author=d["author"], language=d["language"],
                categories=d["categories"].split(), tags=d["tags"].split())
            if d["translation"] is not None or (post and post.translation_id):
                services.post_translation_link(actor=request.user, post=saved,
                                               other=d["translation"])

    return _form_page(request, event, form, _("Summary post"), save)


def _import_page(request, event: Event | None):
    """Upload Markdown posts; all imported: back with a message, else the report."""
    form = PostImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.posts_import_uploads(actor=request.user, event=event,
                                                   uploads=form.cleaned_data["files"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            if not report.failed:
                messages.success(request, _("%(created)s created, %(updated)s updated.") % {
                    "created": len(report.created), "updated": len(report.updated)})
                if event is not None:
                    return redirect("events:manage", slug=event.slug)
                return redirect("events:post_list")
    return render(request, "events/post_import.html",
                  {"form": form, "event": event, "report": report})


@login_required
def post_import(request):
    if not services.post_can_import(user=request.user):
        raise PermissionDenied(_("Only organisers may import posts."))
    return _import_page(request, None)


@managed_event
def event_post_import(request, event: Event):
    return _import_page(request, event)


# --- talk proposals ----------------------------------------------------------------------

@login_required
def proposal_submit(request, slug: str):
    event = get_object_or_404(Event.objects.public(), slug=slug)
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_proposals.proposal_submit(actor=request.user, event=event,
                                               **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Thank you! The organisers will answer by email."))
            return redirect(event)
    return render(request, "events/proposal_form.html", {"form": form, "event": event})


@require_POST
@login_required
def proposal_withdraw(request, slug: str, pk: int):
    proposal = get_object_or_404(TalkProposal, pk=pk, event__slug=slug, user=request.user)
    try:
        services_proposals.proposal_withdraw(actor=request.user, proposal=proposal)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your proposal is withdrawn."))
    return redirect(proposal.event)


@require_POST
@managed_event
def proposal_decide(request, event: Event, pk: int):
    proposal = get_object_or_404(TalkProposal, pk=pk, event=event)
    form = ProposalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accept or decline."))
        return redirect("events:manage", slug=event.slug)
    accept = form.cleaned_data["decision"] == "accept"
    return _action(request, event,
                   lambda: services_proposals.proposal_decide(
                       actor=request.user, proposal=proposal, accept=accept,
                       message=form.cleaned_data["message"]),
                   _("Accepted: the talk is in the programme.") if accept
                   else _("Declined; the member gets your message."))


# --- venues --------------------------------------------------------------------------------

def venue_list(request):
    return render(request, "events/venue_list.html", {
        "venues": selectors.venue_list(),
        "can_edit": services.venue_can_edit(user=request.user)})


def venue_detail(request, pk: int):
    try:
        venue = selectors.venue_get(pk=pk)
    except Venue.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "events/venue_detail.html", {
        "venue": venue, "events": selectors.venue_events(venue=venue),
        "versions": selectors.venue_versions(venue=venue),
        "impact": services_venues.venue_edit_impact(venue=venue),
        "can_edit": services.venue_can_edit(user=request.user)})


def _venue_editor(request):
    if not services.venue_can_edit(user=request.user):
        raise PermissionDenied(_("Only organisers may change venues."))


@login_required
def venue_create(request):
    _venue_editor(request)
    form = VenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            venue = services_venues.venue_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Venue saved."))
            return redirect(venue)
    return render(request, "events/venue_form.html", {"form": form, "venue": None})


@login_required
def venue_edit(request, pk: int):
    _venue_editor(request)
    venue = get_object_or_404(Venue, pk=pk)
    if not venue.is_current:
        messages.info(request, _("This is an old version kept for past events; edit the "
                                 "current one."))
        return redirect("events:venue_edit", pk=services_venues.venue_current(venue=venue).pk)
    form = VenueForm(request.POST or None, initial=VenueForm.initial_for(venue))
    impact = services_venues.venue_edit_impact(venue=venue)
    if request.method == "POST" and form.is_valid():
        try:
            saved, done = services_venues.venue_update(actor=request.user, venue=venue,
                                                       **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
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
    _venue_editor(request)
    keep = get_object_or_404(Venue.objects.current(), pk=pk)
    form = VenueMergeForm(request.POST or None, keep=keep)
    if request.method == "POST" and form.is_valid():
        try:
            impact = services_venues.venue_merge(actor=request.user, keep=keep,
                                                 duplicate=form.cleaned_data["duplicate"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _(
                "Merged: %(upcoming)s upcoming events moved here; %(past)s past events "
                "keep their address.") % {"upcoming": impact.upcoming, "past": impact.past})
            return redirect(keep)
    return render(request, "events/venue_merge.html", {"form": form, "venue": keep})
