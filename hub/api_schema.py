"""The API's schema class, named by dotted path in ``REST_FRAMEWORK`` (a module of its
own: drf-spectacular imports DRF's generic views, which import :mod:`hub.api`'s
pagination and filters while they load).

- :class:`HubAutoSchema`: the schema documents the errors every operation can answer
  (DRF's JSON ``{"detail": ...}`` or per-field messages), and that anonymous clients may
  call read operations whose permission lets them.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions
from rest_framework.request import Request

ERROR_BODY = {
    "type": "object",
    "description": "``detail`` says what went wrong; a 400 names each field with a list "
                   "of messages instead.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": ERROR_BODY}}}


class HubAutoSchema(AutoSchema):
    """drf-spectacular's schema, with the error answers and anonymous access spelled out.

    - 400 where the operation takes query parameters or a body (a bad value);
    - 401 always (a wrong or expired token is refused on any operation), 403 where a
      permission may refuse the caller;
    - 404 where the path names a resource or the list is paginated (a page that does
      not exist);
    - 429 always (requests are throttled).

    An operation whose permissions let an anonymous client call it (asked of the
    permission classes themselves) lists the empty security requirement: a token is
    optional there.
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = {"401": _error("No valid credentials (a wrong or expired token)."),
                  "429": _error("Too many requests: wait as the Retry-After header says.")}
        if self._has_input():
            errors["400"] = _error("A parameter or field has a value that is not allowed.")
        if not self._anonymous_allowed() or self.method not in permissions.SAFE_METHODS:
            errors["403"] = _error("You may not do this.")
        if "{" in self.path or self._is_paginated():
            errors["404"] = _error("No such resource, or you may not see it (or no such "
                                   "page).")
        for code, body in errors.items():
            responses.setdefault(code, body)
        return responses

    def _has_input(self) -> bool:
        if self.method not in permissions.SAFE_METHODS:
            return True
        return bool(self._is_paginated() or self._get_filter_parameters())

    def _is_paginated(self) -> bool:
        return bool(self._is_list_view() and getattr(self.view, "pagination_class", None))

    def _anonymous_allowed(self) -> bool:
        """Whether the view's permissions let an anonymous client make this request."""
        http = HttpRequest()
        http.method = self.method
        request = Request(http)
        request.user = AnonymousUser()
        try:
            return all(permission.has_permission(request, self.view)
                       for permission in self.view.get_permissions())
        except Exception:  # noqa: BLE001 - a permission that needs more: not anonymous
            return False

    def _get_filter_parameters(self):
        """A filter given empty is refused (:class:`hub.api.StrictFilterBackend`), and
        Django's form fields refuse the NUL character: the schema says so of text
        filters."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "string" and "enum" not in schema:
                schema.setdefault("minLength", 1)
                schema.setdefault("pattern", "^[^\\x00]+$")
        return parameters

    def get_auth(self):
        auths = super().get_auth()
        if {} not in auths and self._anonymous_allowed():
            auths.append({})
        return auths
