from django.urls import path, register_converter

from events import views


class UnicodeSlugConverter:
    """A slug that may hold Chinese (or any) letters, as ``slugify(allow_unicode=True)``
    makes them."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UnicodeSlugConverter, "uslug")

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("calendar.ics", views.calendar_ics, name="calendar_ics"),
    path("feed/atom/", views.events_atom, name="atom"),
    path("search/", views.search, name="search"),
    path("posts/", views.post_list, name="post_list"),
    path("posts/feed/atom/", views.posts_atom, name="posts_atom"),
    path("posts/import/", views.post_import, name="post_import"),
    path("posts/<uslug:slug>/", views.post_detail, name="post"),
    path("speakers/", views.speaker_list, name="speaker_list"),
    path("speakers/<uslug:slug>/", views.speaker_detail, name="speaker"),
    path("speakers/<uslug:slug>/photo/", views.speaker_photo, name="speaker_photo"),
    path("speakers/<uslug:slug>/edit/", views.speaker_edit, name="speaker_edit"),
    path("venues/", views.venue_list, name="venue_list"),
    path("venues/new/", views.venue_create, name="venue_create"),
    path("venues/<int:pk>/", views.venue_detail, name="venue"),
    path("venues/<int:pk>/edit/", views.venue_edit, name="venue_edit"),
    path("venues/<int:pk>/merge/", views.venue_merge, name="venue_merge"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("series/<uslug:slug>/", views.series_detail, name="series"),
    path("<uslug:slug>/", views.event_detail, name="detail"),
    path("<uslug:slug>/event.ics", views.event_ics, name="ics"),
    path("<uslug:slug>/rsvp/", views.rsvp, name="rsvp"),
    path("<uslug:slug>/rsvp/cancel/", views.rsvp_cancel, name="rsvp_cancel"),
    path("<uslug:slug>/materials/<int:pk>/", views.material_notebook, name="material"),
    path("<uslug:slug>/materials/<int:pk>/file/", views.material_file, name="material_file"),
    path("<uslug:slug>/photos/<int:pk>/", views.photo_file, name="photo"),
    path("<uslug:slug>/photos/<int:pk>/thumb/", views.photo_file, {"thumbnail": True},
         name="photo_thumb"),
    # organiser pages
    path("<uslug:slug>/manage/", views.event_manage, name="manage"),
    path("<uslug:slug>/edit/", views.event_edit, name="edit"),
    path("<uslug:slug>/publish/", views.event_publish, name="publish"),
    path("<uslug:slug>/cancel/", views.event_cancel, name="cancel"),
    path("<uslug:slug>/unpublish/", views.event_unpublish, name="unpublish"),
    path("<uslug:slug>/delete/", views.event_delete, name="delete"),
    path("<uslug:slug>/propose/", views.proposal_submit, name="propose"),
    path("<uslug:slug>/proposals/<int:pk>/withdraw/", views.proposal_withdraw,
         name="proposal_withdraw"),
    path("<uslug:slug>/manage/proposals/<int:pk>/", views.proposal_decide,
         name="proposal_decide"),
    path("<uslug:slug>/manage/organisers/", views.organiser_add, name="organiser_add"),
    path("<uslug:slug>/manage/organisers/<int:pk>/remove/", views.organiser_remove,
         name="organiser_remove"),
    path("<uslug:slug>/copy/", views.event_copy, name="copy"),
    path("<uslug:slug>/manage/checkin/<int:pk>/", views.attendance_check_in, name="check_in"),
    path("<uslug:slug>/manage/walk-ins/", views.attendance_walk_ins, name="walk_ins"),
    path("<uslug:slug>/manage/talks/new/", views.talk_add, name="talk_add"),
    path("<uslug:slug>/manage/talks/<int:pk>/edit/", views.talk_edit, name="talk_edit"),
    path("<uslug:slug>/manage/talks/<int:pk>/delete/", views.talk_delete, name="talk_delete"),
    path("<uslug:slug>/manage/recordings/new/", views.recording_add, name="recording_add"),
    path("<uslug:slug>/manage/recordings/<int:pk>/edit/", views.recording_edit,
         name="recording_edit"),
    path("<uslug:slug>/manage/recordings/<int:pk>/delete/", views.recording_delete,
         name="recording_delete"),
    path("<uslug:slug>/manage/materials/new/", views.material_add, name="material_add"),
    path("<uslug:slug>/manage/materials/<int:pk>/edit/", views.material_edit,
         name="material_edit"),
    path("<uslug:slug>/manage/materials/<int:pk>/delete/", views.material_delete,
         name="material_delete"),
    path("<uslug:slug>/manage/photos/new/", views.photos_upload, name="photos_upload"),
    path("<uslug:slug>/manage/photos/<int:pk>/delete/", views.photo_delete,
         name="photo_delete"),
    path("<uslug:slug>/manage/photos/<int:pk>/caption/", views.photo_caption,
         name="photo_caption"),
    path("<uslug:slug>/manage/summary/", views.post_edit, name="post_add"),
    path("<uslug:slug>/manage/summary/import/", views.event_post_import,
         name="post_import_event"),
    path("<uslug:slug>/manage/summary/<int:pk>/", views.post_edit, name="post_edit"),
]
