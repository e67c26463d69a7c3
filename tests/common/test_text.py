from common.text import without_paths


def test_paths_are_cut_to_the_file_name():
    assert without_paths("model file /srv/hub/var/models/v2.keras is missing") == (
        "model file v2.keras is missing")
    assert without_paths("cannot open '/tmp/x/photo.jpg': broken") == (
        "cannot open 'photo.jpg': broken")
    assert without_paths("File \"/usr/lib/python3/site.py\", line 3") == (
        "File \"site.py\", line 3")


def test_urls_and_plain_words_stay():
    text = "redis://10.0.0.1:6379/0 unreachable; see https://example.org/a/b and 3/4 done"
    assert without_paths(text) == text
