from django import template

from events.rendering import markdown_render

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Markdown → sanitised HTML (cached by content hash)."""
    return markdown_render(text=text or "")


@register.filter
def duration_hm(value) -> str:
    if not value:
        return ""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}" if hours else f"0:{minutes:02d}"
