from django.shortcuts import get_object_or_404, render

from events import selectors
from events.models import Event


def event_list(request):
    return render(
        request,
        "events/event_list.html",
        {"upcoming": selectors.event_list_upcoming(), "past": selectors.event_list_past()},
    )


def event_detail(request, slug: str):
    event = get_object_or_404(Event.objects.published(), slug=slug)
    return render(request, "events/event_detail.html", {"event": event})
