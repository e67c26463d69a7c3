"""Version 1 of the DoIs REST API, mounted at /api/v1/ by the hub."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from dois.api import leaderboard, views
from dois.api.jobs import JobDetail

router = SimpleRouter()
router.register("individuals", views.IndividualViewSet, basename="dois-individual")
router.register("sightings", views.SightingViewSet, basename="dois-sighting")
router.register("photos", views.PhotoViewSet, basename="dois-photo")

urlpatterns = [
    *router.urls,
    # any id reaches the view, which answers a JSON 404 for one that cannot exist
    path("jobs/<str:pk>/", JobDetail.as_view(), name="api-job"),
    # the model leaderboard
    path("models/", leaderboard.ModelList.as_view(), name="api-models"),
    path("models/<int:pk>/", leaderboard.ModelDetail.as_view(), name="api-model"),
]
