from django.conf import settings


def site(request) -> dict:
    user = getattr(request, "user", None)
    roles: set[str] = set()
    if user is not None and user.is_authenticated:
        roles = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            roles |= {"organiser", "researcher", "volunteer"}
    return {"SITE_NAME": settings.SITE_NAME, "user_roles": roles}
