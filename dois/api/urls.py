"""Version 1 of the DoIs REST API, mounted at /api/v1/ by the hub."""

from rest_framework.routers import SimpleRouter

from dois.api import views

router = SimpleRouter()
router.register("individuals", views.IndividualViewSet, basename="dois-individual")
router.register("sightings", views.SightingViewSet, basename="dois-sighting")
router.register("photos", views.PhotoViewSet, basename="dois-photo")

urlpatterns = router.urls
