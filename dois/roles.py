"""Which DoIs permissions each role holds; the hub syncs groups from this after migrate."""

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "researcher": [
        "dois.submit_photo",
        "dois.review_photo",
        "dois.view_exact_location",
        "dois.export_data",
        "dois.curate_catalogue",
        "dois.train_model",
        "dois.activate_model",
    ],
    "volunteer": [
        "dois.submit_photo",
    ],
    # organisers have no DoIs powers of their own
}

# The model leaderboard: every member submits models (new members are volunteers);
# promoting a submission to a model version is "dois.activate_model" (researchers).
for _role in ("researcher", "volunteer"):
    ROLE_PERMISSIONS[_role].append("dois.submit_model")
