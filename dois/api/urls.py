"""Version 1 of the DoIs REST API, mounted at /api/v1/ by the hub."""

urlpatterns: list = []
