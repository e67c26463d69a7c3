"""Version 1 of the events REST API (read-only), mounted at /api/v1/ by the hub.

``/api/v1/events/`` lists published and cancelled events (never drafts; ``status`` tells
them apart) with the filters ``when=upcoming|past``, ``tag=<slug>`` and
``series=<slug>``; ``/api/v1/events/<slug>/`` adds the venue, talks and speakers,
recordings, materials, photos, summary posts and head counts. ``/api/v1/posts/`` lists
summary posts (``language``, ``tag``, ``event`` filters); a post's detail adds its
Markdown body. Anyone may read; nothing can be written here.
"""
