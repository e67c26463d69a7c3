"""Embedded players from an allow-list of providers (``settings.EMBED_PROVIDERS``).

A recording link becomes a player URL only when its provider is listed and the link
parses as one of that provider's videos or playlists; everything else stays a link.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlparse

from django.conf import settings

_YT_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
_YT_LIST = re.compile(r"^[A-Za-z0-9_-]{10,64}$")
_BV = re.compile(r"^BV[A-Za-z0-9]{8,12}$")
_AV = re.compile(r"^av(\d{1,12})$", re.IGNORECASE)


def _youtube(url: str) -> str:
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    query = parse_qs(parsed.query)
    base = "https://www.youtube-nocookie.com/embed"
    if host == "youtu.be":
        video = parsed.path.strip("/")
        return f"{base}/{video}" if _YT_ID.match(video) else ""
    if host not in {"youtube.com", "www.youtube.com", "m.youtube.com"}:
        return ""
    if parsed.path == "/watch" and _YT_ID.match(query.get("v", [""])[0]):
        return f"{base}/{query['v'][0]}"
    if parsed.path == "/playlist" and _YT_LIST.match(query.get("list", [""])[0]):
        return f"{base}/videoseries?{urlencode({'list': query['list'][0]})}"
    if parsed.path.startswith("/embed/"):
        video = parsed.path.removeprefix("/embed/")
        return f"{base}/{video}" if _YT_ID.match(video) else ""
    return ""


def _bilibili(url: str) -> str:
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if host not in {"www.bilibili.com", "bilibili.com", "m.bilibili.com"}:
        return ""
    parts = [p for p in parsed.path.split("/") if p]
    if len(parts) < 2 or parts[0] != "video":
        return ""
    ident = parts[1]
    base = "https://player.bilibili.com/player.html"
    if _BV.match(ident):
        return f"{base}?{urlencode({'bvid': ident, 'autoplay': 0})}"
    match = _AV.match(ident)
    if match:
        return f"{base}?{urlencode({'aid': match.group(1), 'autoplay': 0})}"
    return ""


_PARSERS = {"youtube": _youtube, "bilibili": _bilibili}


def embed_url(*, provider: str, url: str) -> str:
    """The player URL for a recording, or "" when it cannot be embedded safely."""
    origins = settings.EMBED_PROVIDERS.get(provider)
    parser = _PARSERS.get(provider)
    if not origins or parser is None:
        return ""
    player = parser(url)
    if not player or not any(player.startswith(origin + "/") for origin in origins):
        return ""
    return player
