"""Recordings embed players only from the allow-list the CSP allows."""

import pytest

from events.embed import embed_url


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
