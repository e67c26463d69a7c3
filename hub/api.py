"""API pieces shared by every app, named by dotted path in ``REST_FRAMEWORK``.

- :class:`BearerTokenAuthentication`: ``Authorization: Bearer <token>``.
- :class:`StrictPageNumberPagination`: ``page=`` must be a page number (an empty or
  malformed one is a 404, as an out-of-range one is), never silently page 1.
- :class:`StrictFilterBackend`: a declared filter given empty (``language=``) is a 400,
  never silently ignored.

DRF imports these while its views load: nothing here may import DRF's views or generic
views (the schema class lives in :mod:`hub.api_schema` for that reason).
"""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.fields import CharField
from rest_framework.pagination import PageNumberPagination


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"


class StrictPageNumberPagination(PageNumberPagination):
    """Page numbers as DRF's, but ``page=`` empty is not page 1 (it is a 404 as any
    invalid page), so a client's bug is not served the first page silently."""

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param)
        if value is None:
            return 1
        if value in self.last_page_strings:
            return paginator.num_pages
        return value  # Django's paginator refuses "" and junk: DRF answers 404


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter ignores a filter given empty; here that is a 400 naming it."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            empty = [name for name in filterset_class.base_filters
                     if request.query_params.get(name) == ""]
            if empty:
                message = CharField.default_error_messages["blank"]  # DRF's, translated
                raise ValidationError({name: [message] for name in empty})
        return super().filter_queryset(request, queryset, view)
