from django.urls import path

from dois import views

app_name = "dois"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
]
