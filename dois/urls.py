from django.urls import path

from dois import views, views_jobs, views_leaderboard, views_review

app_name = "dois"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("individuals/<str:code>/", views.individual_detail, name="individual"),
    path("individuals/<str:code>/edit/", views.individual_edit, name="individual_edit"),
    path("individuals/<str:code>/merge/", views.individual_merge, name="individual_merge"),
    path("individuals/<str:code>/split/", views.individual_split, name="individual_split"),
    path("submit/", views.submit, name="submit"),
    path("mine/", views.my_photos, name="mine"),
    path("review/", views_review.review_queue, name="review_queue"),
    path("review/<int:pk>/", views_review.review, name="review"),
    path("review/<int:pk>/compare/<str:code>/", views_review.review_compare,
         name="review_compare"),
    path("review/<int:pk>/skip/", views_review.review_skip, name="review_skip"),
    path("review/<int:pk>/unskip/", views_review.review_unskip, name="review_unskip"),
    path("review/unskip/", views_review.review_unskip, name="review_unskip_all"),
    path("review/undo/", views_review.decision_undo_last, name="decision_undo_last"),
    path("review/decisions/<int:pk>/undo/", views_review.decision_undo, name="decision_undo"),
    path("photos/<int:pk>/<str:kind>.jpg", views.photo_image, name="photo_image"),
    path("photos/<int:pk>/original/", views.photo_original, name="photo_original"),
    path("photos/<int:pk>/edit/", views.photo_edit, name="photo_edit"),
    path("exports/", views.export_index, name="exports"),
    path("exports/capture-history.csv", views.export_capture_csv, name="export_capture_csv"),
    path("exports/capture-history.inp", views.export_capture_inp, name="export_capture_inp"),
    path("exports/dataset.zip", views.export_dataset_zip, name="export_dataset"),
    path("jobs/<int:pk>/", views_jobs.job_detail, name="job"),
    path("training/", views_jobs.training, name="training"),
    path("training/runs/<int:pk>.json", views_jobs.training_run_status, name="training_run"),
    path("models/<int:pk>/activate/", views_jobs.model_activate, name="model_activate"),
    # the model leaderboard
    path("leaderboard/", views_leaderboard.leaderboard, name="leaderboard"),
    path("leaderboard/submit/", views_leaderboard.leaderboard_submit,
         name="leaderboard_submit"),
    path("leaderboard/submissions/<int:pk>/", views_leaderboard.leaderboard_submission,
         name="leaderboard_submission"),
    path("leaderboard/submissions/<int:pk>/promote/", views_leaderboard.leaderboard_promote,
         name="leaderboard_promote"),
    path("leaderboard/submissions/<int:pk>/requeue/", views_leaderboard.leaderboard_requeue,
         name="leaderboard_requeue"),
    path("leaderboard/dataset.zip", views_leaderboard.leaderboard_dataset,
         name="leaderboard_dataset"),
    path("leaderboard/starter.ipynb", views_leaderboard.leaderboard_notebook,
         name="leaderboard_notebook"),
]
