"""Catalogue search and filters (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dois.models import Individual


class IndividualFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=Individual.Sex.choices)
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[c for c in Individual.Status.choices
                 if c[0] not in (Individual.Status.MERGED, Individual.Status.WITHDRAWN)])
    seen_since = django_filters.DateFilter(label=_("Seen since"), field_name="last_seen",
                                           lookup_expr="gte")
    seen_until = django_filters.DateFilter(label=_("Seen until"), field_name="first_seen",
                                           lookup_expr="lte")
    area = django_filters.CharFilter(label=_("Area"), method="in_area")

    class Meta:
        model = Individual
        fields = ["q", "sex", "status", "seen_since", "seen_until", "area"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(nickname__icontains=value))

    def in_area(self, queryset, name, value):
        return queryset.filter(
            photos__state__in=["confirmed", "new_individual"],
            photos__sighting__area__icontains=value,
        ).distinct()
