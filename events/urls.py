from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("calendar.ics", views.calendar_ics, name="calendar_ics"),
    path("feed/atom/", views.events_atom, name="atom"),
    path("search/", views.search, name="search"),
    path("posts/", views.post_list, name="post_list"),
    path("posts/feed/atom/", views.posts_atom, name="posts_atom"),
    path("posts/<slug:slug>/", views.post_detail, name="post"),
    path("speakers/", views.speaker_list, name="speaker_list"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/event.ics", views.event_ics, name="ics"),
    path("<slug:slug>/rsvp/", views.rsvp, name="rsvp"),
    path("<slug:slug>/rsvp/cancel/", views.rsvp_cancel, name="rsvp_cancel"),
    path("<slug:slug>/materials/<int:pk>/", views.material_notebook, name="material"),
    # organiser pages
    path("<slug:slug>/manage/", views.event_manage, name="manage"),
    path("<slug:slug>/edit/", views.event_edit, name="edit"),
    path("<slug:slug>/publish/", views.event_publish, name="publish"),
    path("<slug:slug>/cancel/", views.event_cancel, name="cancel"),
    path("<slug:slug>/copy/", views.event_copy, name="copy"),
    path("<slug:slug>/manage/checkin/<int:pk>/", views.attendance_check_in, name="check_in"),
    path("<slug:slug>/manage/walk-ins/", views.attendance_walk_ins, name="walk_ins"),
    path("<slug:slug>/manage/talks/new/", views.talk_add, name="talk_add"),
    path("<slug:slug>/manage/recordings/new/", views.recording_add, name="recording_add"),
    path("<slug:slug>/manage/materials/new/", views.material_add, name="material_add"),
    path("<slug:slug>/manage/photos/new/", views.photos_upload, name="photos_upload"),
    path("<slug:slug>/manage/photos/<int:pk>/caption/", views.photo_caption,
         name="photo_caption"),
    path("<slug:slug>/manage/summary/", views.post_edit, name="post_add"),
    path("<slug:slug>/manage/summary/<int:pk>/", views.post_edit, name="post_edit"),
]
