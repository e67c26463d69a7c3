"""Filters of the events API (django-filter)."""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from events import selectors
from events.models import Event, Post


class EventFilter(django_filters.FilterSet):
    when = django_filters.ChoiceFilter(
        label=_("When"), method="filter_when",
        choices=[("upcoming", _("Upcoming: not over yet, soonest first")),
                 ("past", _("Past: over, latest first"))])
    tag = django_filters.CharFilter(label=_("Tag (slug)"), field_name="tags__slug")
    series = django_filters.CharFilter(label=_("Series (slug)"), field_name="series__slug")

    class Meta:
        model = Event
        fields = ["when", "tag", "series"]

    def filter_when(self, queryset, name, value):
        return selectors.event_filter_when(queryset=queryset, when=value)


class PostFilter(django_filters.FilterSet):
    language = django_filters.ChoiceFilter(label=_("Language"), choices=settings.LANGUAGES)
    tag = django_filters.CharFilter(label=_("Tag (slug)"), field_name="tags__slug")
    event = django_filters.CharFilter(label=_("Event (slug)"), field_name="event__slug")

    class Meta:
        model = Post
        fields = ["language", "tag", "event"]
