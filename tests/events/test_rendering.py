import json

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


def test_markdown_keeps_image_urls():
    html = markdown_render(text="![loft](https://ipic.zoomquiet.top/2019-09-09-full-season.jpg)")
    assert 'src="https://ipic.zoomquiet.top/2019-09-09-full-season.jpg"' in html


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
    assert "Title" in html and "print" in html and "<b>bold</b>" in html
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
