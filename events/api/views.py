"""Events REST API v1: read-only viewsets; every read goes through :mod:`events.selectors`."""

from __future__ import annotations

from django.http import Http404
from rest_framework import permissions, viewsets

from events import selectors
from events.api.filters import EventFilter, PostFilter
from events.api.serializers import (
    EventsEventSerializer,
    EventsEventSummarySerializer,
    EventsPostSerializer,
    EventsPostSummarySerializer,
)
from events.models import Event, Post

# any path segment reaches the view (slugs may hold Chinese): an unknown one is a JSON 404,
# not the site's HTML page
SLUG = r"[^/]+"


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Published and cancelled meetups (never drafts), newest first; ``when=upcoming``
    lists the coming ones soonest first."""

    permission_classes = [permissions.AllowAny]
    filterset_class = EventFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_queryset(self):
        return selectors.event_list_api()

    def get_serializer_class(self):
        return EventsEventSerializer if self.action == "retrieve" else \
            EventsEventSummarySerializer

    def get_object(self):
        try:
            return selectors.event_get_api(slug=self.kwargs["slug"])
        except Event.DoesNotExist as exc:
            raise Http404 from exc


class PostViewSet(viewsets.ReadOnlyModelViewSet):
    """Summary posts, newest first; the detail adds the Markdown body."""

    permission_classes = [permissions.AllowAny]
    filterset_class = PostFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_queryset(self):
        return selectors.post_list_public()

    def get_serializer_class(self):
        return EventsPostSerializer if self.action == "retrieve" else \
            EventsPostSummarySerializer

    def get_object(self):
        try:
            return selectors.post_list_public().get(slug=self.kwargs["slug"])
        except Post.DoesNotExist as exc:
            raise Http404 from exc
