"""Pages of the events app. Each view reads a form and makes one service or selector call."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.files import file_response
from common.throttling import rate_limited
from events import feeds, selectors, services
from events.filetypes import content_type_for, served_inline
from events.forms import (
    CaptionForm,
    CopyForm,
    EventForm,
    MaterialForm,
    PhotoUploadForm,
    PostForm,
    PostImportForm,
    RecordingForm,
    RSVPForm,
    SearchForm,
    TalkForm,
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
        "past": selectors.event_list_past(),
        "can_create": services.event_can_create(user=request.user),
    })


def event_detail(request, slug: str):
    try:
        event = selectors.event_get_visible(slug=slug, user=request.user)
    except Event.DoesNotExist as exc:
        raise Http404 from exc
    context = selectors.event_detail(event=event, user=request.user)
    context["rsvp_form"] = RSVPForm()
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
        speaker = selectors.speaker_get(slug=slug)
    except Speaker.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "events/speaker_detail.html", {"speaker": speaker})


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
        "posts": selectors.post_list_public(),
        "can_import": services.post_can_import(user=request.user)})


def post_detail(request, slug: str):
    try:
        post = selectors.post_get_visible(slug=slug, user=request.user)
    except Post.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "events/post_detail.html", {"post": post})


def search(request):
    form = SearchForm(request.GET or None)
    results = {"events": [], "talks": [], "posts": [], "query": ""}
    if form.is_valid():
        results = selectors.search(query=form.cleaned_data["q"])
    return render(request, "events/search.html", {"form": form, **results})


# --- feeds -----------------------------------------------------------------------------

def event_ics(request, slug: str):
    event = get_object_or_404(Event.objects.public(), slug=slug)
    body = feeds.ical_for_events(events=[event], base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


def calendar_ics(request):
    body = feeds.ical_for_events(events=selectors.event_list_public(),
                                 base_url=request.build_absolute_uri("/"), name=True)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


def events_atom(request):
    body = feeds.atom_events(events=selectors.event_list_public()[:50],
                             base_url=request.build_absolute_uri("/"),
                             self_url=request.build_absolute_uri())
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


def posts_atom(request):
    body = feeds.atom_posts(posts=selectors.post_list_public()[:50],
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
                                      mode=form.cleaned_data["mode"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(event)
    if answer.status == RSVP.Status.WAITLISTED:
        messages.warning(request, _("The event is full: you are on the waitlist. "
                                    "We will email you if a seat becomes free."))
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

def _venue_from(data: dict, current=None):
    if not data.get("venue_name"):
        return None
    same = current is not None and current.name == data["venue_name"]
    return services.venue_save(
        venue=current if same else None, name=data["venue_name"],
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
            event = services.event_create(
                actor=request.user, title=data["title"], description=data["description"],
                starts_at=data["starts_at"], ends_at=data["ends_at"],
                timezone_name=data["timezone"], capacity=data["capacity"],
                stream_url=data["stream_url"], venue=_venue_from(data),
                series=_series_from(data), tags=data["tag_names"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Draft saved. Preview it, then publish."))
            return redirect("events:manage", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@managed_event
def event_edit(request, event: Event):
    form = EventForm(request.POST or None, initial=EventForm.initial_for(event))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.event_update(
                actor=request.user, event=event, title=data["title"],
                description=data["description"], starts_at=data["starts_at"],
                ends_at=data["ends_at"], timezone=data["timezone"], capacity=data["capacity"],
                stream_url=data["stream_url"], venue=_venue_from(data, event.venue),
                series=_series_from(data), tags=data["tag_names"])
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
        "talks": event.talks.prefetch_related("speakers"),
        "recordings": event.recordings.all(),
        "materials": event.materials.all(),
        "photos": event.photos.all(),
        "posts": event.posts.all(),
    })


def _action(request, event: Event, call, success: str):
    try:
        call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
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
def event_cancel(request, event: Event):
    return _action(request, event,
                   lambda: services.event_cancel(actor=request.user, event=event),
                   _("The event is cancelled; everyone who answered gets an email."))


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
        abstract=d["abstract"], starts_at=d["starts_at"], remote=d["remote"]))


@managed_event
def talk_edit(request, event: Event, pk: int):
    talk = get_object_or_404(Talk, pk=pk, event=event)
    form = TalkForm(request.POST or None, event=event, initial=TalkForm.initial_for(talk))
    return _form_page(request, event, form, _("Edit the talk"), lambda d: services.talk_update(
        actor=request.user, talk=talk, title=d["title"], speaker_names=d["speaker_names"],
        abstract=d["abstract"], starts_at=d["starts_at"], remote=d["remote"]))


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
                   "tags": " ".join(t.name for t in post.tags.all()), "body": post.body}
    form = PostForm(request.POST or None, initial=initial)
    return _form_page(request, event, form, _("Summary post"), lambda d: services.post_save(
        actor=request.user, event=event, post=post, title=d["title"], body=d["body"],
        description=d["description"], author=d["author"], language=d["language"],
        categories=d["categories"].split(), tags=d["tags"].split()))


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
