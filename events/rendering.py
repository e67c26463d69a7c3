"""Markdown and Jupyter notebooks to HTML that cannot run script, look like the site's
own notices, or load images from elsewhere.

- Markdown is sanitised with ``nh3``: no script, no ``style``, no ``class`` or ``id``
  (a description cannot dress up as the site's red notice), links get
  ``rel="noopener noreferrer nofollow"``. Bare ``http(s)://`` addresses become links
  (not inside code or an existing link).
- Images stay only where they cannot track readers: a base64 PNG or JPEG ``data:`` URI,
  a same-site relative path, or a host the operator allows in the CSP's ``img-src``
  (``CSP_IMG_HOSTS``; none by default). Any other ``<img>`` is replaced by its alt text.
- A notebook is rendered here, cell by cell: Markdown cells as above; code cells
  highlighted by Pygments (token classes only; the colours are the static file
  ``events/notebook.css``, since the CSP forbids inline styles); outputs as text, or as
  a PNG or JPEG image. HTML, SVG and JavaScript outputs are never rendered (their
  ``text/plain`` form is shown instead).

Results are cached in the Django cache, keyed by a hash of the content, the renderer
version and the allowed image hosts, so a change of any of them is a new key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import re
from urllib.parse import urlsplit

import markdown
import nh3
from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

RENDER_VERSION = "3"
CACHE_SECONDS = 60 * 60 * 24 * 7

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd",
    "li", "ol", "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"}, "td": {"align"},
}
# data: survives only as the src of an image (see _attribute_filter)
URL_SCHEMES = {"http", "https", "mailto", "data"}
DATA_IMAGE = re.compile(r"^data:image/(?:png|jpeg);base64,[A-Za-z0-9+/\s]+={0,2}\s*$",
                        re.IGNORECASE)
# An <img> as nh3 serialises it: attribute values double-quoted, '"' escaped as &quot;.
IMG_TAG = re.compile(r'<img((?:\s+[^\s="<>/]+(?:="[^"]*")?)*)\s*/?>')
ATTRIBUTE = re.compile(r'([^\s="<>/]+)(?:="([^"]*)")?')
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


# --- which remote image hosts the CSP allows --------------------------------------------

def _img_sources() -> list[str]:
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    return list((policy.get("DIRECTIVES") or {}).get("img-src") or [])


def _source_allows(source: str, scheme: str, host: str, port: int | None, path: str) -> bool:
    """Whether one CSP host-source (``https://a.example``, ``*.b.example``,
    ``c.example:8443/imgs/``) or scheme-source (``https:``) allows the URL."""
    source = source.strip()
    if not source or source.startswith("'"):
        return False
    if re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*:", source):
        return source[:-1].lower() == scheme and scheme in ("http", "https")
    match = re.fullmatch(r"(?:([a-zA-Z][a-zA-Z0-9+.-]*)://)?(\*\.)?([^:/]+)(?::(\d+|\*))?(/.*)?",
                         source)
    if not match:
        return False
    src_scheme, wildcard, src_host, src_port, src_path = match.groups()
    if src_scheme:
        if not (src_scheme.lower() == scheme or (src_scheme.lower() == "http"
                                                 and scheme == "https")):
            return False
    elif scheme not in ("http", "https"):
        return False
    src_host = src_host.lower()
    if wildcard:
        if not host.endswith("." + src_host):
            return False
    elif host != src_host:
        return False
    default = 443 if scheme == "https" else 80
    if src_port and src_port != "*" and int(src_port) != (port or default):
        return False
    if not src_port and port not in (None, default):
        return False
    if src_path:
        return path.startswith(src_path) if src_path.endswith("/") else path == src_path
    return True


def image_host_allowed(url: str) -> bool:
    """Whether the CSP's img-src lets a page load the image at absolute ``url``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or "\\" in url:
        return False
    return any(_source_allows(source, parts.scheme, host, port, parts.path or "/")
               for source in _img_sources())


def _image_src_allowed(src: str) -> bool:
    src = src.strip()
    if not src or "\\" in src or any(ord(c) < 32 for c in src):
        return False
    if src[:5].lower() == "data:":
        return bool(DATA_IMAGE.match(src))
    parts = urlsplit(src)
    if not parts.scheme and not parts.netloc and not src.startswith("//"):
        return True  # a path on this site
    return image_host_allowed(src)


# --- sanitising -------------------------------------------------------------------------

def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if _image_src_allowed(value) else None
    if attribute in ("href", "src") and value.strip()[:5].lower() == "data:":
        return None
    return value


def _images_to_alt(cleaned: str) -> str:
    """Replace every <img> left without a src (a refused image) by its alt text."""

    def replace(match: re.Match) -> str:
        attributes = {name: value or "" for name, value in ATTRIBUTE.findall(match[1])}
        if attributes.get("src"):
            return match[0]
        alt = html.unescape(attributes.get("alt", ""))
        return html.escape(alt, quote=False)

    return IMG_TAG.sub(replace, cleaned)


def sanitise(raw: str, *, allowed_classes: dict[str, set[str]] | None = None) -> str:
    """HTML → HTML without script, styles, ids, foreign classes or tracking images."""
    cleaned = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        allowed_classes=allowed_classes or {},
    )
    return _images_to_alt(cleaned)


def _key(kind: str, content: bytes) -> str:
    digest = hashlib.sha256(content)
    digest.update(b"\0" + "\n".join(_img_sources()).encode())
    return f"events:render:{kind}:{RENDER_VERSION}:{digest.hexdigest()}"


# A bare address: http(s):// up to whitespace or a character that cannot end it here
# (CJK punctuation, closing brackets and quotes, or a final full stop or comma).
BARE_URL = r"https?://[^\s<>\"'`\x02\x03\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]+(?<![.,;:!?)\]])"


class _BareURLProcessor(markdown.inlinepatterns.InlineProcessor):
    ANCESTOR_EXCLUDES = ("a",)

    def handleMatch(self, m, data):  # noqa: N802 - Python-Markdown's name
        import xml.etree.ElementTree as ET

        element = ET.Element("a")
        element.set("href", m.group(0))
        element.text = markdown.util.AtomicString(m.group(0))
        return element, m.start(0), m.end(0)


class _BareURLs(markdown.extensions.Extension):
    def extendMarkdown(self, parser):  # noqa: N802 - Python-Markdown's name
        # after links, <autolinks> and raw HTML (stashed at priority 90, so an address
        # inside a tag is never seen here), before entities and emphasis
        parser.inlinePatterns.register(_BareURLProcessor(BARE_URL, parser), "bare_url", 85)


def _markdown_html(text: str) -> str:
    return sanitise(markdown.markdown(text, extensions=["extra", "sane_lists", _BareURLs()],
                                      output_format="html"))


BLOCK_END = re.compile(r"</(p|li|h[1-6]|pre|blockquote|tr|div|dd|dt)>|<br\s*/?>", re.I)


def markdown_plain(*, text: str) -> str:
    """Markdown → plain text for calendars and emails: no markup, a link as
    "text (address)", paragraphs separated by blank lines."""
    if not text:
        return ""
    rendered = _markdown_html(text)

    def link(match: re.Match) -> str:
        href, inner = html.unescape(match[1]), match[2]
        label = html.unescape(nh3.clean(inner, tags=set()))
        return label if label.strip() == href.strip() else f"{label} ({href})"

    rendered = re.sub(r'<a href="([^"]*)"[^>]*>(.*?)</a>', link, rendered, flags=re.S)
    rendered = re.sub(r"<li>\s*", "- ", rendered)
    rendered = re.sub(r"</li>\s*", "<br>", rendered)
    rendered = BLOCK_END.sub("\n", rendered)
    plain = html.unescape(nh3.clean(rendered, tags=set()))
    lines = [line.rstrip() for line in plain.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def markdown_render(*, text: str) -> SafeString:
    """Markdown → sanitised HTML, cached by content hash."""
    if not text:
        return mark_safe("")  # noqa: S308 - empty string
    key = _key("md", text.encode())
    rendered = cache.get(key)
    if rendered is None:
        rendered = _markdown_html(text)
        cache.set(key, rendered, CACHE_SECONDS)
    return mark_safe(rendered)  # noqa: S308 - sanitised by nh3 above


# --- notebooks --------------------------------------------------------------------------

class NotebookError(ValueError):
    """The file is not a valid Jupyter notebook."""


def notebook_validate(*, content: bytes):
    """Parse and validate a notebook; raise NotebookError with a clear reason."""
    import nbformat

    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or "cells" not in data:
        raise NotebookError("JSON without notebook cells")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several types
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise NotebookError(f"not a valid notebook: {reason}") from exc
    return nb


NOTEBOOK_CLASSES = {"nb-cell", "nb-markdown", "nb-code", "nb-input", "nb-outputs",
                    "nb-output", "nb-prompt", "highlight"}
PRE_CLASSES = {"nb-stream", "nb-stderr", "nb-error", "nb-text"}
IMAGE_MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff"}


def _token_classes() -> set[str]:
    from pygments.token import STANDARD_TYPES

    return {name for name in STANDARD_TYPES.values() if name}


def _text(value) -> str:
    if isinstance(value, list):
        value = "".join(str(v) for v in value)
    return ANSI.sub("", str(value or ""))


def _pre(text: str, css: str) -> str:
    return f'<pre class="{css}">{html.escape(text, quote=False)}</pre>'


def _image_output(data: dict) -> str:
    for kind in ("png", "jpeg"):
        raw = data.get(f"image/{kind}")
        if not raw:
            continue
        b64 = re.sub(r"\s+", "", _text(raw))
        try:
            decoded = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            continue
        if decoded.startswith(IMAGE_MAGIC[kind]):
            return f'<img src="data:image/{kind};base64,{b64}" alt="">'
    return ""


def _output_html(output) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        css = "nb-stderr" if output.get("name") == "stderr" else "nb-stream"
        return _pre(_text(output.get("text")), css)
    if kind == "error":
        trace = _text("\n".join(output.get("traceback") or [])) or (
            f"{output.get('ename', '')}: {output.get('evalue', '')}")
        return _pre(trace, "nb-error")
    if kind in ("execute_result", "display_data"):
        data = output.get("data") or {}
        image = _image_output(data)
        if image:
            return image
        if data.get("text/markdown"):
            return _markdown_html(_text(data["text/markdown"]))
        if data.get("text/plain"):
            return _pre(_text(data["text/plain"]), "nb-text")
    return ""  # HTML, SVG, JavaScript and unknown outputs are never rendered


def _lexer(nb):
    from pygments.lexers import PythonLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    metadata = nb.get("metadata") or {}
    language = ((metadata.get("kernelspec") or {}).get("language")
                or (metadata.get("language_info") or {}).get("name") or "python")
    try:
        return get_lexer_by_name(str(language).lower())
    except ClassNotFound:
        return PythonLexer()


def _notebook_html(nb) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    lexer = _lexer(nb)
    formatter = HtmlFormatter(cssclass="highlight")
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(f'<div class="nb-cell nb-markdown">{_markdown_html(cell.source)}</div>')
        elif cell.cell_type == "code":
            count = cell.get("execution_count")
            prompt = html.escape(f"[{count if count is not None else ' '}]:")
            code = highlight(cell.source, lexer, formatter) if cell.source else ""
            outputs = "".join(_output_html(output) for output in cell.get("outputs") or [])
            parts.append(
                f'<div class="nb-cell nb-code"><div class="nb-input">'
                f'<div class="nb-prompt">{prompt}</div>{code}</div>'
                + (f'<div class="nb-outputs">{outputs}</div>' if outputs else "")
                + "</div>")
    classes = {"div": NOTEBOOK_CLASSES, "pre": PRE_CLASSES, "span": _token_classes()}
    return sanitise("\n".join(parts), allowed_classes=classes)


def notebook_render(*, content: bytes) -> SafeString:
    """A notebook → sanitised HTML (no script, no inline styles), cached by hash."""
    key = _key("ipynb", content)
    rendered = cache.get(key)
    if rendered is None:
        rendered = _notebook_html(notebook_validate(content=content))
        cache.set(key, rendered, CACHE_SECONDS)
    return mark_safe(rendered)  # noqa: S308 - sanitised by nh3 above
