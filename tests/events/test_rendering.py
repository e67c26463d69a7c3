import json
import re
from pathlib import Path

import pytest
from django.core.cache import cache

from events.embed import embed_url
from events.rendering import NotebookError, markdown_render, notebook_render, notebook_validate


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
    import events.rendering as rendering

    original = rendering.md.markdown
    monkeypatch.setattr(rendering.md, "markdown",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    markdown_render(text="same text")
    markdown_render(text="same text")
    markdown_render(text="other text")
    assert len(calls) == 2


def _nb(cells):
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                       "nbformat_minor": 5}).encode()


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


@pytest.mark.parametrize(("provider", "url", "expected"), [
    ("youtube", "https://www.youtube.com/watch?v=qyvlt7kiQoI",
     "https://www.youtube-nocookie.com/embed/qyvlt7kiQoI"),
    ("youtube", "https://youtu.be/qyvlt7kiQoI", "https://www.youtube-nocookie.com/embed/qyvlt7kiQoI"),
    ("youtube", "https://www.youtube.com/playlist?list=PLToFpvpg6EgREUnpcMZZh1BAuvPsvjC1n",
     "https://www.youtube-nocookie.com/embed/videoseries?list=PLToFpvpg6EgREUnpcMZZh1BAuvPsvjC1n"),
    ("bilibili", "https://www.bilibili.com/video/av8284296",
     "https://player.bilibili.com/player.html?aid=8284296&autoplay=0"),
    ("bilibili", "https://www.bilibili.com/video/BV1xx411c7mD",
     "https://player.bilibili.com/player.html?bvid=BV1xx411c7mD&autoplay=0"),
    ("youtube", "https://evil.example/watch?v=qyvlt7kiQoI", ""),
    ("youtube", "https://www.youtube.com/watch?v=<script>", ""),
    ("drive", "https://pan.baidu.com/s/1fpmUZwMRB2tKHcMQgCKydw", ""),
    ("other", "https://vimeo.com/1", ""),
])
def test_embed_url_allow_list(provider, url, expected):
    assert embed_url(provider=provider, url=url) == expected


def test_embed_players_match_the_csp(settings):
    frame_src = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"]
    allowed = [o for origins in settings.EMBED_PROVIDERS.values() for o in origins]
    assert sorted(frame_src) == sorted(allowed)
    for provider, url in [("youtube", "https://youtu.be/qyvlt7kiQoI"),
                          ("bilibili", "https://www.bilibili.com/video/av8284296")]:
        assert any(embed_url(provider=provider, url=url).startswith(o + "/") for o in frame_src)


def test_provider_removed_from_allow_list_is_not_embedded(settings):
    settings.EMBED_PROVIDERS = {"bilibili": ["https://player.bilibili.com"]}
    assert embed_url(provider="youtube", url="https://youtu.be/qyvlt7kiQoI") == ""


# --- issue #12, finding 10: no look-alike notices, no tracking images ----------------------

PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElF"
           "TkSuQmCC")


def _with_img_hosts(settings, *hosts):
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["img-src"] = ["'self'", "data:", *hosts]
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY,
                                        "DIRECTIVES": directives}


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
    _with_img_hosts(settings)
    assert "<img" not in markdown_render(text=text)
    _with_img_hosts(settings, "https://ipic.zoomquiet.top")  # a new cache key, not the old HTML
    html = markdown_render(text=text)
    assert "<img" in html and 'src="https://ipic.zoomquiet.top/2019-09-09-room.jpg"' in html


def test_markdown_links_cannot_be_data_urls():
    html = markdown_render(text="[x](data:text/html;base64,PHNjcmlwdD4=)")
    assert "data:" not in html


# --- issue #15, item 2: notebooks keep their plots and highlight their code ---------------

def _png_bytes(size=(12, 8)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 220)).save(out, "PNG")
    return out.getvalue()


def _jpeg_bytes() -> bytes:
    import io

    from PIL import Image

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


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


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
