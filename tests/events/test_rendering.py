import io
import json
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from PIL import Image

from events.rendering import NotebookError, markdown_render, notebook_render, notebook_validate
from tests.events.support import with_img_hosts


@pytest.mark.django_db
def test_bare_urls_are_linked_but_not_inside_code_or_links():
    html = markdown_render(text="Slides: https://tfug.example/s1. Code: `https://x.example` "
                                "and [here](https://y.example) 见https://z.example，谢谢")
    assert '<a href="https://tfug.example/s1" rel="noopener noreferrer nofollow">' in html
    assert "<code>https://x.example</code>" in html
    assert html.count("https://y.example") == 1
    assert '<a href="https://z.example"' in html


@pytest.mark.django_db
def test_img_src_allows_no_remote_host_by_default(settings):
    assert "https:" not in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]


@pytest.mark.django_db
@pytest.mark.parametrize(("sources", "url", "allowed"), [
    (["https://ipic.zoomquiet.top"], "https://ipic.zoomquiet.top/a.jpg", True),
    (["https://ipic.zoomquiet.top"], "http://ipic.zoomquiet.top/a.jpg", False),
    (["https://ipic.zoomquiet.top"], "https://evil.top/a.jpg", False),
    (["https://ipic.zoomquiet.top"], "https://ipic.zoomquiet.top.evil.top/a.jpg", False),
    (["https://ipic.zoomquiet.top"], "https://ipic.zoomquiet.top:8443/a.jpg", False),
    (["*.example.org"], "https://img.example.org/a.jpg", True),
    (["*.example.org"], "https://example.org/a.jpg", False),
    (["https://cdn.example.org/pics/"], "https://cdn.example.org/pics/a.jpg", True),
    (["https://cdn.example.org/pics/"], "https://cdn.example.org/other/a.jpg", False),
    (["'self'", "data:"], "https://anything.example/a.jpg", False),
    (["https:"], "https://anything.example/a.jpg", True),
])
def test_image_hosts_follow_csp_host_sources(settings, sources, url, allowed):
    from events.rendering import image_host_allowed

    with_img_hosts(settings, *sources)
    assert image_host_allowed(url) is allowed


def _nb(cells):
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                       "nbformat_minor": 5}).encode()


PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElF"
           "TkSuQmCC")


def _png_bytes(size=(12, 8)) -> bytes:


    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 220)).save(out, "PNG")
    return out.getvalue()


def _jpeg_bytes() -> bytes:


    out = io.BytesIO()
    Image.new("RGB", (8, 8), (220, 20, 20)).save(out, "JPEG")
    return out.getvalue()


def _plot_notebook(outputs) -> bytes:
    return _nb([
        {"cell_type": "markdown", "metadata": {}, "id": "m", "source": "## Loss curve"},
        {"cell_type": "code", "metadata": {}, "id": "c", "execution_count": 3,
         "source": "import numpy as np\nfor epoch in range(3):\n    print(epoch)  # train",
         "outputs": outputs},
    ])


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def test_markdown_cannot_run_script():
    html = markdown_render(text="# Hi\n\n<script>alert(1)</script>\n\n"
                                "[x](javascript:alert(1)) <img src=x onerror=alert(1)>"
                                '<a href="https://ok.org" onclick="x()">ok</a>')
    assert "<h1>Hi</h1>" in html
    assert "<script" not in html and "onerror" not in html and "onclick" not in html
    assert "javascript:" not in html
    assert 'href="https://ok.org"' in html


def test_markdown_drops_remote_images_but_keeps_their_alt_text():
    html = markdown_render(text="![loft](https://ipic.zoomquiet.top/2019-09-09-full-season.jpg)")
    assert "<img" not in html and "ipic.zoomquiet.top" not in html
    assert "loft" in html


def test_rendering_is_cached_by_content_hash(monkeypatch):
    cache.clear()
    calls = []
    from events import rendering

    original = rendering.markdown.markdown
    monkeypatch.setattr(rendering.markdown, "markdown",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    markdown_render(text="same text")
    markdown_render(text="same text")
    markdown_render(text="other text")
    assert len(calls) == 2


def test_notebook_render_is_sanitised():
    content = _nb([
        {"cell_type": "markdown", "metadata": {}, "id": "a",
         "source": "# Title\n<script>alert(1)</script>"},
        {"cell_type": "code", "metadata": {}, "id": "b", "execution_count": 1,
         "source": "print(1)",
         "outputs": [{"output_type": "display_data", "metadata": {},
                      "data": {"text/html": "<b>bold</b><script>evil()</script>"
                                            "<iframe src='https://evil'></iframe>"}}]},
    ])
    html = notebook_render(content=content)
    assert "Title" in html and "print" in html
    assert "bold" not in html  # HTML outputs are never rendered
    assert "<script" not in html and "evil()" not in html and "<iframe" not in html
    assert "style=" not in html


def test_notebook_validate_rejects_non_notebooks():
    with pytest.raises(NotebookError):
        notebook_validate(content=b"\xff\xfe")
    with pytest.raises(NotebookError):
        notebook_validate(content=b'{"cells": [{"cell_type": "nonsense"}], "nbformat": 4}')


def test_markdown_drops_class_and_id_so_nothing_imitates_the_site():
    html = markdown_render(text='<p class="notice bad" role="alert" id="messages">Your account '
                                'is locked: <a class="button" id="x" href="https://evil.example">'
                                'log in again</a></p>\n\nPara {: .notice .bad #main }')
    assert "class=" not in html and "id=" not in html and "role=" not in html
    assert "Your account is locked" in html and 'href="https://evil.example"' in html


@pytest.mark.parametrize(("src", "kept"), [
    ("https://tracker.example/pixel.gif?reader=1", False),
    ("http://tracker.example/pixel.gif", False),
    ("//tracker.example/pixel.gif", False),
    ("/\\tracker.example/pixel.gif", False),
    ("data:image/svg+xml;base64,PHN2Zy8+", False),
    ("data:text/html;base64,PHNjcmlwdD4=", False),
    ("javascript:alert(1)", False),
    (f"data:image/png;base64,{PNG_1PX}", True),
    ("/en/events/meetup/photos/3/", True),
    ("figure.png", True),
])
def test_markdown_keeps_only_images_that_cannot_track(src, kept):
    cache.clear()
    html = markdown_render(text=f'<img src="{src}" alt="fin & notch"> after')
    if kept:
        assert f'src="{src}"' in html
    else:
        assert "<img" not in html and "tracker" not in html
        assert "fin &amp; notch after" in html


def test_markdown_images_from_hosts_the_operator_allows_are_kept(settings):
    text = "![room](https://ipic.zoomquiet.top/2019-09-09-room.jpg)"
    with_img_hosts(settings)
    assert "<img" not in markdown_render(text=text)
    with_img_hosts(settings, "https://ipic.zoomquiet.top")  # a new cache key, not the old HTML
    html = markdown_render(text=text)
    assert "<img" in html and 'src="https://ipic.zoomquiet.top/2019-09-09-room.jpg"' in html


def test_markdown_links_cannot_be_data_urls():
    html = markdown_render(text="[x](data:text/html;base64,PHNjcmlwdD4=)")
    assert "data:" not in html


def test_notebook_keeps_png_and_jpeg_plots():
    import base64

    png = base64.b64encode(_png_bytes()).decode()
    jpeg = base64.b64encode(_jpeg_bytes()).decode()
    html = notebook_render(content=_plot_notebook([
        {"output_type": "display_data", "metadata": {},
         "data": {"image/png": png, "text/plain": "<Figure size 640x480>"}},
        {"output_type": "execute_result", "execution_count": 3, "metadata": {},
         "data": {"image/jpeg": jpeg, "text/plain": "<Figure>"}},
    ]))
    assert f'<img src="data:image/png;base64,{png}"' in html
    assert f'<img src="data:image/jpeg;base64,{jpeg}"' in html
    found = re.search(r'src="data:image/png;base64,([^"]+)"', html)[1]
    assert base64.b64decode(found) == _png_bytes()


@pytest.mark.parametrize("data", [
    {"image/svg+xml": '<svg onload="alert(1)"><circle r="5"/></svg>',
     "text/plain": "<Figure svg>"},
    {"text/html": "<table class='notice bad'><tr><td onclick='x()'>df</td></tr></table>",
     "text/plain": "   a\n0  1"},
    {"application/javascript": "alert(document.cookie)", "text/plain": "<IPython.Javascript>"},
    {"image/png": "not base64 at all!", "text/plain": "<Figure broken>"},
    {"image/png": "PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+", "text/plain": "<Figure not png>"},
])
def test_notebook_never_renders_svg_html_or_script_outputs(data):
    html = notebook_render(content=_plot_notebook([
        {"output_type": "display_data", "metadata": {}, "data": data}]))
    assert "<svg" not in html and "onload" not in html and "alert" not in html
    assert "<table" not in html and "onclick" not in html and "notice bad" not in html
    assert "<img" not in html
    assert html_escape(data["text/plain"]) in html  # the text form instead


def test_notebook_code_is_highlighted_with_classes_the_static_css_styles():
    from django.contrib.staticfiles import finders

    html = notebook_render(content=_plot_notebook([
        {"output_type": "stream", "name": "stdout", "text": "0\n1\n2\n"},
        {"output_type": "error", "ename": "ValueError", "evalue": "bad",
         "traceback": ["\x1b[0;31mValueError\x1b[0m: bad"]},
    ]))
    assert '<div class="highlight">' in html
    assert '<span class="kn">import</span>' in html and '<span class="c1"># train</span>' in html
    assert '<pre class="nb-stream">0\n1\n2\n</pre>' in html
    assert '<pre class="nb-error">ValueError: bad</pre>' in html and "\x1b" not in html
    assert "style=" not in html and "<h2>Loss curve</h2>" in html
    from pygments.formatters import HtmlFormatter

    css = Path(finders.find("events/notebook.css")).read_text(encoding="utf-8")
    rules = [line for line in HtmlFormatter(style="default").get_style_defs(
        ".notebook .highlight").splitlines() if line.startswith(".notebook")]
    assert all(rule in css for rule in rules)  # the static file is Pygments' style
    styled = {re.match(r"\.notebook \.highlight \.([\w-]+) ", rule)[1] for rule in rules
              if re.match(r"\.notebook \.highlight \.([\w-]+) ", rule)}
    used = set(re.findall(r'<span class="([\w-]+)"', html))
    assert {"kn", "c1", "k", "mi"} <= used & styled


def test_notebook_markdown_cells_follow_the_markdown_rules():
    html = notebook_render(content=_nb([
        {"cell_type": "markdown", "metadata": {}, "id": "a",
         "source": '<div class="nb-output notice bad" id="x">fake</div>'
                   "![t](https://tracker.example/p.gif)"}]))
    assert "class=" not in html.split('<div class="nb-cell nb-markdown">', 1)[1]
    assert "tracker" not in html and "fake" in html
