"""``GET /api/v1/jobs/<id>/``: an identification job's state and result."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dois.selectors_identification import job_get, job_status_data


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
    error = serializers.CharField()
    candidates = JobCandidateSerializer(many=True)
    new_individual_probability = serializers.FloatField(allow_null=True)
    model_version = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class JobDetail(APIView):
    """A job of a photo the caller may see: visitors public photos, uploaders their own,
    researchers all. Others get 404 (a job's existence is not revealed)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=JobSerializer)
    def get(self, request, pk: int, **_kwargs) -> Response:
        job = job_get(job_id=pk, user=request.user)
        if job is None:
            raise NotFound()
        return Response(job_status_data(job=job))
