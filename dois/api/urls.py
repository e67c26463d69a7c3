"""Version 1 of the DoIs REST API, mounted at /api/v1/ by the hub."""

from django.urls import path

from dois.api.jobs import JobDetail

urlpatterns: list = [
    path("jobs/<int:pk>/", JobDetail.as_view(), name="api-job"),
]
