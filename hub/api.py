"""API authentication shared by every app: ``Authorization: Bearer <token>``."""

from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"
