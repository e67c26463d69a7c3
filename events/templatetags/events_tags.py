from urllib.parse import urlsplit

from django import template

from events.rendering import image_host_allowed, markdown_render

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Markdown → sanitised HTML (cached by content hash)."""
    return markdown_render(text=text or "")


@register.filter
def image_allowed(url: str) -> bool:
    """Whether a page may show the image at ``url`` (its host is in the CSP's img-src)."""
    return bool(url) and image_host_allowed(url)


@register.filter
def url_host(url: str) -> str:
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:
        return ""


@register.filter
def duration_hm(value) -> str:
    if not value:
        return ""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}" if hours else f"0:{minutes:02d}"
