"""URLs of the events API; the hub mounts them at /api/v1/ (beside the DoIs API)."""

from rest_framework.routers import SimpleRouter

from events.api import views

router = SimpleRouter()
router.register("events", views.EventViewSet, basename="events-event")
router.register("posts", views.PostViewSet, basename="events-post")

urlpatterns = router.urls
