"""``/api/v1/models/``: submit a TFLite model to the leaderboard, read the board and a
submission's state and figures (the same services and rules as the pages)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from dois import selectors, services
from dois.models import Submission

STATUSES = [s.value for s in Submission.Status]


class SubmissionCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .tflite model of at most 50 MB: one input "
                                           "N x H x W x 3, one output N x D.")
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    notebook_url = serializers.URLField(required=False, allow_blank=True, max_length=500)


class SubmissionCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(STATUSES)


class MetricsSerializer(serializers.Serializer):
    top1 = serializers.FloatField(allow_null=True)
    top5 = serializers.FloatField(allow_null=True)
    map5 = serializers.FloatField(allow_null=True)
    unknown_auc = serializers.FloatField(allow_null=True)
    ms_per_photo = serializers.FloatField(allow_null=True)
    size_bytes = serializers.IntegerField()


class SubmissionSerializer(serializers.Serializer):
    """A submission as its submitter (or, once done, anyone) sees it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="member (a member's submission) or "
                                           "active_model (the active model's row)")
    author = serializers.CharField(help_text="Display name (never an email); empty for "
                                             "the active model's row.")
    status = serializers.ChoiceField(STATUSES)
    error = serializers.CharField(help_text="Why it failed, for people (no server details).")
    metrics = MetricsSerializer(allow_null=True)
    split_version = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    evaluated_at = serializers.DateTimeField(allow_null=True)
    notebook_url = serializers.CharField()
    description = serializers.CharField()
    promoted_version = serializers.CharField(allow_null=True)


class BoardRowSerializer(SubmissionSerializer):
    rank = serializers.IntegerField(allow_null=True,
                                    help_text="Null for the active model's row.")
    stale = serializers.BooleanField(help_text="Figures from an older split version; "
                                               "being evaluated again.")


def submission_data(*, submission: Submission) -> dict:
    m = submission.metrics or {}
    metrics = None
    if submission.status == Submission.Status.DONE:
        metrics = {k: m.get(k) for k in ("top1", "top5", "map5", "unknown_auc",
                                          "ms_per_photo")}
        metrics["size_bytes"] = submission.size_bytes
    return {
        "id": submission.pk, "name": submission.name, "kind": submission.kind,
        "author": (services.member_label(user=submission.submitted_by)
                   if submission.kind == Submission.Kind.MEMBER else ""),
        "status": submission.status, "error": submission.error, "metrics": metrics,
        "split_version": submission.split.number if submission.split else None,
        "created_at": submission.created_at, "evaluated_at": submission.evaluated_at,
        "notebook_url": submission.notebook_url, "description": submission.description,
        "promoted_version": (submission.promoted_version.name
                             if submission.promoted_version else None),
    }


class CanSubmitModels(permissions.BasePermission):
    message = "Log in as a member to submit models."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated
                    and request.user.has_perm("dois.submit_model"))


class ModelList(APIView):
    """``GET``: the board (done submissions ranked by MAP@5, the active model's row among
    them unranked). ``POST``: submit a model (multipart); throttled per member (scope
    ``submissions``)."""

    permission_classes = [CanSubmitModels]
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "submissions"

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "POST":
            throttles.append(ScopedRateThrottle())
        return throttles

    @extend_schema(responses=BoardRowSerializer(many=True))
    def get(self, request, **_kwargs) -> Response:
        rows = selectors.board_rows()
        return Response([{**submission_data(submission=r.submission), "rank": r.rank,
                          "stale": r.stale} for r in rows])

    @extend_schema(request=SubmissionCreateSerializer, responses={
        201: SubmissionCreatedSerializer,
        400: OpenApiResponse(description="Refused, with the reason per field (e.g. file: "
                                         "not a TFLite model, wrong shapes, over 50 MB)."),
        401: OpenApiResponse(description="Not logged in."),
        403: OpenApiResponse(description="Not a member."),
        429: OpenApiResponse(description="Too many submissions (THROTTLE_SUBMISSIONS).")})
    def post(self, request, **_kwargs) -> Response:
        form = SubmissionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            submission = services.submission_create(
                actor=request.user, upload=data["file"], name=data["name"],
                description=data.get("description", ""),
                notebook_url=data.get("notebook_url", ""))
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict")
                                  else {"non_field_errors": exc.messages}) from exc
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response({"id": submission.pk, "status": submission.status},
                        status=status.HTTP_201_CREATED)


class ModelDetail(APIView):
    """A submission: ``status`` (queued, running, done, failed), ``error`` and, once
    done, ``metrics``. Not done yet or failed: its submitter and researchers only."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: SubmissionSerializer, 404: OpenApiResponse(
        description="No such submission, or not yours and not done.")})
    def get(self, request, pk: int, **_kwargs) -> Response:
        submission = selectors.submission_get(pk=pk, user=request.user)
        if submission is None:
            raise NotFound()
        return Response(submission_data(submission=submission))
