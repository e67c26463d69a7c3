"""Every write of the events app, by sub-domain; who may do what is in :mod:`events.rules`.

Keyword-only functions named ``<thing>_<action>``; the acting user is ``actor``. Writes
that change an event check object-level permission: only the event's organisers
(holding the organiser role's ``events.manage_event``) and superusers may change it.

- :mod:`events.services.events`: events, their organisers and series
- :mod:`events.services.rsvps`: RSVPs, the waitlist and attendance
- :mod:`events.services.programme`: speakers, talks and talk proposals
- :mod:`events.services.media`: recordings, photos and materials with their files
- :mod:`events.services.posts`: summary posts, their import and translations
- :mod:`events.services.venues`: venues that keep their history
- :mod:`events.services.mail`: members' mail, one task per recipient
- :mod:`events.services.shared`: the organisers' check, slugs, tags, accounts

The public names are re-exported here: ``from events import services`` then
``services.event_create(...)``.
"""

from events.services.events import (
    EARLIEST_EVENT_YEAR,
    EVENT_FIELDS,
    LATEST_EVENT_AHEAD,
    LONGEST_EVENT,
    event_cancel,
    event_cancel_recipients,
    event_copy,
    event_create,
    event_create_require,
    event_delete,
    event_organiser_add,
    event_organiser_remove,
    event_publish,
    event_unpublish,
    event_update,
    local_time_check,
    series_get_or_create,
)
from events.services.mail import (
    REMINDER_BEFORE,
    WITH_CALENDAR,
    mail_address_ok,
    mail_build,
    mail_language,
    mail_queue,
    mail_reminders_queue,
    mail_send,
    mails_resend_unsent,
)
from events.services.media import (
    PHOTO_LONGEST_SIDE,
    THUMB_LONGEST_SIDE,
    PhotoDuplicate,
    PhotoUploadReport,
    material_add,
    material_delete,
    material_update,
    photo_add_external,
    photo_caption_set,
    photo_delete,
    photos_upload,
    recording_add,
    recording_delete,
    recording_update,
)
from events.services.posts import (
    MARKDOWN_SUFFIXES,
    POST_RESERVED_SLUGS,
    ImportReport,
    post_import_require,
    post_import_text,
    post_translation_link,
    post_write,
    posts_import_files,
    posts_import_uploads,
)
from events.services.programme import (
    MAX_OPEN_PER_MEMBER,
    SPEAKER_PHOTO_LONGEST_SIDE,
    proposal_decide,
    proposal_submit,
    proposal_withdraw,
    speaker_get_or_create,
    speaker_update,
    talk_add,
    talk_delete,
    talk_update,
)
from events.services.rsvps import (
    attendance_check_in,
    attendance_walk_ins_set,
    rsvp_cancel,
    rsvp_create,
    waitlist_promote,
)
from events.services.shared import (
    RESERVED_SLUGS,
    TALK_MARGIN,
    event_manage_require,
    slug_unique,
    tags_get_or_create,
    tags_parse,
    user_by_username,
)
from events.services.venues import (
    VENUE_FIELDS,
    VenueImpact,
    venue_create,
    venue_current,
    venue_edit_impact,
    venue_edit_require,
    venue_merge,
    venue_update,
)

__all__ = [
    "EARLIEST_EVENT_YEAR", "EVENT_FIELDS", "LATEST_EVENT_AHEAD", "LONGEST_EVENT",
    "MARKDOWN_SUFFIXES", "MAX_OPEN_PER_MEMBER", "PHOTO_LONGEST_SIDE", "POST_RESERVED_SLUGS",
    "REMINDER_BEFORE", "RESERVED_SLUGS", "SPEAKER_PHOTO_LONGEST_SIDE", "TALK_MARGIN",
    "THUMB_LONGEST_SIDE", "VENUE_FIELDS", "WITH_CALENDAR", "ImportReport", "PhotoDuplicate",
    "PhotoUploadReport", "VenueImpact", "attendance_check_in", "attendance_walk_ins_set",
    "event_cancel", "event_cancel_recipients", "event_copy", "event_create",
    "event_create_require", "event_delete", "event_manage_require", "event_organiser_add",
    "event_organiser_remove", "event_publish", "event_unpublish", "event_update",
    "local_time_check", "mail_address_ok", "mail_build", "mail_language", "mail_queue",
    "mail_reminders_queue", "mail_send", "mails_resend_unsent", "material_add",
    "material_delete", "material_update", "photo_add_external", "photo_caption_set",
    "photo_delete", "photos_upload", "post_import_require", "post_import_text",
    "post_translation_link", "post_write", "posts_import_files", "posts_import_uploads",
    "proposal_decide", "proposal_submit", "proposal_withdraw", "recording_add",
    "recording_delete", "recording_update", "rsvp_cancel", "rsvp_create",
    "series_get_or_create", "slug_unique", "speaker_get_or_create", "speaker_update",
    "tags_get_or_create", "tags_parse", "talk_add", "talk_delete", "talk_update",
    "user_by_username", "venue_create", "venue_current", "venue_edit_impact",
    "venue_edit_require", "venue_merge", "venue_update", "waitlist_promote",
]
