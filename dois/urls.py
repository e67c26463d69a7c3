from django.urls import path

from dois import views, views_jobs

app_name = "dois"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("individuals/<str:code>/", views.individual_detail, name="individual"),
    path("individuals/<str:code>/edit/", views.individual_edit, name="individual_edit"),
    path("individuals/<str:code>/merge/", views.individual_merge, name="individual_merge"),
    path("submit/", views.submit, name="submit"),
    path("mine/", views.my_photos, name="mine"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review, name="review"),
    path("photos/<int:pk>/<str:kind>.jpg", views.photo_image, name="photo_image"),
    path("photos/<int:pk>/original/", views.photo_original, name="photo_original"),
    path("exports/", views.export_index, name="exports"),
    path("exports/capture-history.csv", views.export_capture_csv, name="export_capture_csv"),
    path("exports/capture-history.inp", views.export_capture_inp, name="export_capture_inp"),
    path("exports/dataset.zip", views.export_dataset_zip, name="export_dataset"),
    path("jobs/<int:pk>/", views_jobs.job_detail, name="job"),
    path("training/", views_jobs.training, name="training"),
    path("training/runs/<int:pk>.json", views_jobs.training_run_status, name="training_run"),
    path("models/<int:pk>/activate/", views_jobs.model_activate, name="model_activate"),
]
