"""What the services share: only an event's organisers change its content."""

import pytest
from django.core.exceptions import PermissionDenied

from events import services
from tests.events.factories import MaterialFactory, PhotoFactory, RecordingFactory, TalkFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["anonymous", "member", "other_organiser"])
def test_only_this_events_organisers_edit_and_delete_content(event, request, who):
    from django.contrib.auth.models import AnonymousUser

    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    talk, recording = TalkFactory(event=event), RecordingFactory(event=event)
    material, photo = MaterialFactory(event=event), PhotoFactory(event=event)
    calls = [
        lambda: services.talk_update(actor=actor, talk=talk, title="x", speaker_names=["A"]),
        lambda: services.talk_delete(actor=actor, talk=talk),
        lambda: services.recording_update(actor=actor, recording=recording, title="x",
                                          url="https://example.org"),
        lambda: services.recording_delete(actor=actor, recording=recording),
        lambda: services.material_update(actor=actor, material=material, title="x",
                                         kind="slides"),
        lambda: services.material_delete(actor=actor, material=material),
        lambda: services.photo_delete(actor=actor, photo=photo),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert event.talks.count() == event.recordings.count() == 1
    assert event.materials.count() == event.photos.count() == 1
