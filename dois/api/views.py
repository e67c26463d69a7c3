"""DoIs REST API v1: read the catalogue, sightings and photos; submit photos."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from dois import selectors, selectors_identification, services
from dois.api.serializers import (
    IndividualSerializer,
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
        """Submitting counts against the ``uploads`` rate too (reads: the defaults)."""
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(ScopedRateThrottle())
        return throttles

    def get_queryset(self):
        return selectors.photo_list_visible(user=self.request.user).order_by("-id")

    @extend_schema(request=PhotoSubmitSerializer, responses={201: PhotoSubmittedSerializer})
    def create(self, request, *args, **kwargs):
        form = PhotoSubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            photo, job = services.photo_with_sighting_submit(
                uploaded_by=request.user, upload=data["image"],
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
        delayed = bool(job) and selectors_identification.jobs_delayed_count(job_ids=[job.pk]) > 0
        return Response({"photo": photo.pk, "job": job.pk if job else None,
                         "identification_delayed": delayed},
                        status=status.HTTP_201_CREATED)
