"""``GET /api/v1/members/<name>/``: a member's public profile (the same data as the page)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hub import credit


class CreditLinkSerializer(serializers.Serializer):
    text = serializers.CharField()
    url = serializers.CharField()


class CreditEntrySerializer(serializers.Serializer):
    text = serializers.CharField()
    url = serializers.CharField()
    note = serializers.CharField()
    links = CreditLinkSerializer(many=True)


class CreditSectionSerializer(serializers.Serializer):
    app = serializers.CharField(help_text="events, dois or hub")
    title = serializers.CharField(help_text="In the request's language.")
    counts = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    lists = serializers.DictField(child=CreditEntrySerializer(many=True))


class MemberSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The user name (as in this URL).")
    display_name = serializers.CharField(help_text="Never an email address.")
    url = serializers.CharField()
    sections = CreditSectionSerializer(many=True)


class MemberDetail(APIView):
    """A member's contributions: events attended, talks with recordings, photos and
    confirmations, individuals first photographed, model submissions and best rank,
    projects logged. Only profiles the member made public (404 otherwise; a member
    always sees their own)."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: MemberSerializer, 404: OpenApiResponse(
        description="No such member, or the profile is not public.")})
    def get(self, request, name: str, **_kwargs) -> Response:
        user = credit.member_get(name=name, viewer=request.user)
        if user is None:
            raise NotFound()
        return Response(credit.member_profile_data(user=user))
