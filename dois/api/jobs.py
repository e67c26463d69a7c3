"""``GET /api/v1/jobs/<id>/``: an identification job's state and result."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dois.api.serializers import OutlineSerializer
from dois.models import IdentificationJob
from dois.selectors.jobs import job_get, job_status_data


class JobCandidateSerializer(serializers.Serializer):
    individual = serializers.CharField()
    score = serializers.FloatField()
    rank = serializers.IntegerField()


class JobSerializer(serializers.Serializer):
    """The shape of the answer (documentation for the schema)."""

    id = serializers.IntegerField()
    photo = serializers.IntegerField()
    status = serializers.ChoiceField(["queued", "running", "done", "failed"])
    delayed = serializers.BooleanField(help_text="Not yet handed to the queue (it was down).")
    attempts = serializers.IntegerField()
    error = serializers.CharField(help_text="Why it failed, for people (no server details).")
    error_code = serializers.ChoiceField(
        ["", *[c for c in IdentificationJob.ErrorCode.values if c]],
        help_text="Why it failed, for programs; model_unavailable is re-queued by itself "
                  "once the model loads again.")
    candidates = JobCandidateSerializer(many=True)
    new_individual_probability = serializers.FloatField(allow_null=True)
    model_version = serializers.CharField()
    method = serializers.ChoiceField(["edge", "appearance"], help_text=(
        "edge: the fin's outline (trailing edge) was compared; appearance: the whole crop."))
    outline = OutlineSerializer(allow_null=True, help_text=(
        "Edge method: the outline the job used (traced, or a person's)."))
    outline_reason = serializers.CharField(help_text=(
        "Edge method, a finished job: why the photo had no usable outline (no_fin, "
        "edge_too_short, tip_cut, low_confidence, bad_image), so it was not compared and "
        "waits for a person; empty otherwise."))
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class JobDetail(APIView):
    """A job of a photo the caller may see, by the photos' one rule
    (``dois.rules.photo_visibility``): visitors public reference photos, uploaders
    their own, researchers all. Others get 404 (a job's existence is not revealed)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=JobSerializer,
                   parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)])
    def get(self, request, pk: str, **_kwargs) -> Response:
        if not pk.isdigit() or len(pk) > 18:  # an id that cannot exist: JSON 404 too
            raise NotFound()
        job = job_get(job_id=int(pk), user=request.user)
        if job is None:
            raise NotFound()
        return Response(job_status_data(job=job))
