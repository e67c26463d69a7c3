"""What the events pages share: the organiser's gate, the manage page's actions, forms
and confirmations, and stored files sent only after a visibility check."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from common.files import file_response
from common.forms import form_errors_add
from events import services
from events.filetypes import content_type_for
from events.models import Event


def managed_event(view):
    """Load the event by slug and require that the user may manage it (403 otherwise)."""

    @wraps(view)
    @login_required
    def wrapper(request, slug: str, *args, **kwargs):
        event = get_object_or_404(Event, slug=slug)
        services.event_manage_require(actor=request.user, event=event)
        return view(request, event, *args, **kwargs)

    return wrapper


def manage_action(request, event: Event, call: Callable[[], object], success: str
                  ) -> HttpResponse:
    """Run ``call`` and go back to the manage page with its success or its refusal."""
    try:
        call()
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, success)
    return redirect("events:manage", slug=event.slug)


def manage_form_page(request, event: Event, form, title: str, save: Callable[[dict], object],
                     multipart: bool = False) -> HttpResponse:
    """An organiser's form: saved by ``save(cleaned_data)``, then back to the manage page."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form=form, error=exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("events:manage", slug=event.slug)
    return render(request, "events/organiser_form.html",
                  {"form": form, "event": event, "page_title": title, "multipart": multipart})


def manage_delete_page(request, event: Event, *, obj, kind: str, consequence: str,
                       delete: Callable[[], object]) -> HttpResponse:
    """GET: ask for confirmation; POST: delete and go back to the manage page."""
    if request.method == "POST":
        return manage_action(request, event, delete,
                             _("%(kind)s “%(name)s” deleted.") % {"kind": kind, "name": obj})
    return render(request, "events/confirm_delete.html", {
        "event": event, "object": obj, "kind": kind, "consequence": consequence,
        "page_title": _("Delete %(kind)s “%(name)s”?") % {"kind": kind, "name": obj}})


# --- stored files: only after a visibility check, never as active content --------------

def stored_file(*, name: str, filename: str, inline: bool, private: bool) -> HttpResponse:
    """A stored file the caller checked the user may see (404 if it is gone)."""
    try:
        return file_response(name=name, filename=filename, content_type=content_type_for(name),
                             inline=inline, private=private)
    except FileNotFoundError as exc:
        raise Http404 from exc
