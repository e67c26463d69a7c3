"""Which of the events app's permissions each role holds (the hub syncs the groups).

Holding ``events.manage_event`` is not enough to change an event: the user must also
be one of that event's organisers (see ``events.rules.event_can_manage``).
"""

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "organiser": [
        "events.add_event",
        "events.change_event",
        "events.manage_event",
        "events.publish_event",
        "events.add_post",
        "events.change_post",
        "events.import_posts",
        "events.add_speaker",
        "events.change_speaker",
        "events.add_venue",
        "events.change_venue",
    ],
    "volunteer": [],
    "researcher": [],
}
