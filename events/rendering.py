"""Markdown and Jupyter notebooks to HTML that cannot run script.

Both are sanitised with ``nh3`` and cached in the Django cache, keyed by a hash of the
content (and of the renderer version), so a change of content is a new key.
"""

from __future__ import annotations

import hashlib
import json

import markdown as md
import nh3
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

RENDER_VERSION = "1"
CACHE_SECONDS = 60 * 60 * 24 * 7

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd",
    "li", "ol", "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"align"}, "td": {"align"},
    "*": {"class", "id"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _key(kind: str, content: bytes) -> str:
    return f"events:render:{kind}:{RENDER_VERSION}:{hashlib.sha256(content).hexdigest()}"


def markdown_render(*, text: str) -> SafeString:
    """Markdown → sanitised HTML, cached by content hash."""
    if not text:
        return mark_safe("")  # noqa: S308 - empty string
    key = _key("md", text.encode())
    html = cache.get(key)
    if html is None:
        raw = md.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
        html = sanitise(raw)
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - sanitised by nh3 above


class NotebookError(ValueError):
    """The file is not a valid Jupyter notebook."""


def notebook_validate(*, content: bytes):
    """Parse and validate a notebook; raise NotebookError with a clear reason."""
    import nbformat

    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or "cells" not in data:
        raise NotebookError("JSON without notebook cells")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several types
        raise NotebookError(f"not a valid notebook: {exc}") from exc
    return nb


def notebook_render(*, content: bytes) -> SafeString:
    """A notebook → sanitised HTML (no script, no inline styles), cached by hash."""
    key = _key("ipynb", content)
    html = cache.get(key)
    if html is None:
        from nbconvert import HTMLExporter

        nb = notebook_validate(content=content)
        exporter = HTMLExporter(template_name="basic")
        exporter.exclude_input_prompt = False
        body, _resources = exporter.from_notebook_node(nb)
        html = sanitise(body)
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - sanitised by nh3 above
