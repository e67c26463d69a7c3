from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info


def site(request) -> dict:
    user = getattr(request, "user", None)
    roles: set[str] = set()
    if user is not None and user.is_authenticated:
        roles = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            roles |= {"organiser", "researcher", "volunteer"}
    return {"SITE_NAME": settings.SITE_NAME, "user_roles": roles,
            "language_links": language_links(request)}


def language_links(request) -> list[dict]:
    """The page in each language: plain links, so the switch needs no form (and no
    CSRF cookie, which would keep anonymous pages out of the page cache)."""
    current = get_language()
    path = request.get_full_path()
    links = []
    for code, _name in settings.LANGUAGES:
        url = translate_url(path, code)
        if url == path and code != current:  # not a page of the site: its home instead
            url = f"/{code}/"
        links.append({"code": code, "name": get_language_info(code)["name_local"],
                      "url": url, "current": code == current})
    return links
