"""Pages of the events app, one module per sub-domain (as the services). Each view reads a
form and makes one service or selector call; the views are re-exported here for
:mod:`events.urls`."""

from events.views.base import managed_event
from events.views.events import (
    calendar_ics,
    event_cancel,
    event_copy,
    event_create,
    event_delete,
    event_detail,
    event_edit,
    event_ics,
    event_list,
    event_manage,
    event_publish,
    event_unpublish,
    events_atom,
    organiser_add,
    organiser_remove,
    search,
    series_detail,
    tag_detail,
)
from events.views.media import (
    material_add,
    material_delete,
    material_edit,
    material_file,
    material_notebook,
    photo_caption,
    photo_delete,
    photo_file,
    photos_upload,
    recording_add,
    recording_delete,
    recording_edit,
)
from events.views.posts import (
    event_post_import,
    post_detail,
    post_edit,
    post_import,
    post_list,
    posts_atom,
)
from events.views.programme import (
    proposal_decide,
    proposal_submit,
    proposal_withdraw,
    speaker_detail,
    speaker_edit,
    speaker_list,
    speaker_photo,
    talk_add,
    talk_delete,
    talk_edit,
)
from events.views.rsvps import (
    attendance_check_in,
    attendance_walk_ins,
    rsvp,
    rsvp_cancel,
)
from events.views.venues import (
    venue_create,
    venue_detail,
    venue_edit,
    venue_list,
    venue_merge,
)

__all__ = [
    "attendance_check_in", "attendance_walk_ins", "calendar_ics", "event_cancel", "event_copy",
    "event_create", "event_delete", "event_detail", "event_edit", "event_ics", "event_list",
    "event_manage", "event_post_import", "event_publish", "event_unpublish", "events_atom",
    "managed_event", "material_add", "material_delete", "material_edit", "material_file",
    "material_notebook", "organiser_add", "organiser_remove", "photo_caption", "photo_delete",
    "photo_file", "photos_upload", "post_detail", "post_edit", "post_import", "post_list",
    "posts_atom", "proposal_decide", "proposal_submit", "proposal_withdraw", "recording_add",
    "recording_delete", "recording_edit", "rsvp", "rsvp_cancel", "search", "series_detail",
    "speaker_detail", "speaker_edit", "speaker_list", "speaker_photo", "tag_detail", "talk_add",
    "talk_delete", "talk_edit", "venue_create", "venue_detail", "venue_edit", "venue_list",
    "venue_merge",
]
