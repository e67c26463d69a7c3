"""DoIs REST API v1: read the catalogue, sightings and photos; submit photos."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from dois import selectors, services
from dois.api.serializers import (
    IndividualSerializer,
    OutlineCorrectedSerializer,
    OutlineCorrectionSerializer,
    PhotoSerializer,
    PhotoSubmitSerializer,
    PhotoSubmittedSerializer,
    SightingSerializer,
)
from dois.filters import IndividualFilter


class CanSubmitPhotos(permissions.BasePermission):
    message = "You need the volunteer or researcher role to submit photos."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated
                    and request.user.has_perm("dois.submit_photo"))


class IndividualViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalogue (merged individuals too, with ``merged_into``)."""

    serializer_class = IndividualSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # any code reaches the view: unknown ones are JSON 404s
    filterset_class = IndividualFilter
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return selectors.individual_list().select_related("merged_into")

    def get_object(self):
        individual = selectors.individual_get(code=self.kwargs["code"], user=self.request.user)
        if individual is None:
            raise Http404
        return individual


class SightingViewSet(viewsets.ReadOnlyModelViewSet):
    """Sightings with visible photos; coordinates rounded unless you are a researcher."""

    serializer_class = SightingSerializer
    permission_classes = [permissions.AllowAny]
    lookup_value_regex = "[^/]+"
    filterset_fields = ["area"]

    def get_queryset(self):
        return selectors.sighting_list_visible(user=self.request.user).order_by(
            "-observed_at", "-id")


class PhotoViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Photos you may see; ``POST`` submits one photo (multipart) for identification."""

    serializer_class = PhotoSerializer
    permission_classes = [CanSubmitPhotos]
    lookup_value_regex = "[^/]+"
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["state", "side", "split"]
    throttle_scope = "uploads"

    def get_throttles(self):
        """Submitting and correcting count against the ``uploads`` rate too (reads: the
        defaults)."""
        throttles = super().get_throttles()
        if self.action in ("create", "outline"):
            throttles.append(ScopedRateThrottle())
        return throttles

    def get_queryset(self):
        return selectors.photo_list_visible(user=self.request.user).order_by("-id")

    def list(self, request, *args, **kwargs):
        """A page of photos, each with its current outline (read for the page at once)."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        photos = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(),
                   "outlines": selectors.photos_outlines(photos=photos)}
        data = self.get_serializer_class()(photos, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        request=OutlineCorrectionSerializer,
        responses={201: OutlineCorrectedSerializer, 200: OutlineCorrectedSerializer,
                   409: OpenApiResponse(description="The correction does not fit the photo "
                                        "as it is now (its current outline, revision or "
                                        "crop); look at it again.")},
        summary="Correct the photo's fin outline",
        description="Accept the photo's current outline, move its tip and ends, or redraw "
                    "its trailing edge (points in pixels of the outline's image_size). "
                    "Stored with who and when; the photo is identified again (201 with the "
                    "new job; the same correction sent twice: 200, no new job). The "
                    "uploader may correct until a researcher has decided the photo, "
                    "researchers always.")
    @action(detail=True, methods=["post"], url_path="outline", parser_classes=[JSONParser])
    def outline(self, request, *args, **kwargs):
        photo = self.get_object()
        form = OutlineCorrectionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            edit = services.photo_outline_correct(
                photo=photo, actor=request.user, action=data["action"], tip=data.get("tip"),
                trailing_end=data.get("trailing_end"), leading_end=data.get("leading_end"),
                trailing=data.get("trailing"), facing=data.get("facing"),
                base_revision=data.get("revision"), outline_id=data.get("outline"))
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            detail = (exc.message_dict if hasattr(exc, "error_dict")
                      else {"non_field_errors": exc.messages})
            return Response(detail, status=status.HTTP_409_CONFLICT)
        photo.refresh_from_db(fields=["revision"])
        if edit is None:
            current = selectors.outline_current(photo=photo)
            return Response({"outline": selectors.outline_data(outline=current)
                             if current else None, "job": None, "revision": photo.revision})
        return Response({"outline": selectors.outline_data(outline=edit.outline),
                         "job": edit.job.pk if edit.job else None,
                         "revision": photo.revision}, status=status.HTTP_201_CREATED)

    @extend_schema(request=PhotoSubmitSerializer, responses={201: PhotoSubmittedSerializer})
    def create(self, request, *args, **kwargs):
        form = PhotoSubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            photo, job = services.photo_with_sighting_submit(
                actor=request.user, upload=data["image"],
                sighting=data.get("sighting"), sighting_fields=form.sighting_fields(),
                options=services.PhotoOptions(
                    crop=data["crop"], crop_fractions=data["crop_unit"] == "fraction",
                    side=data["side"], quality=data.get("quality"),
                    proposed_individual=data.get("proposed_individual"),
                    is_public=data["is_public"]))
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict")
                                  else {"non_field_errors": exc.messages}) from exc
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        delayed = bool(job) and selectors.jobs_delayed_count(job_ids=[job.pk]) > 0
        return Response({"photo": photo.pk, "job": job.pk if job else None,
                         "identification_delayed": delayed},
                        status=status.HTTP_201_CREATED)
