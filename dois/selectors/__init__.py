"""Every read of the DoIs app, by sub-domain; pages, the API, exports and commands share
them. Selectors apply who-sees-what (rounded locations, visible photos) themselves, by
the rules of :mod:`dois.rules`.

- :mod:`dois.selectors.catalogue`: individuals, their best photos, merges, sightings, maps
- :mod:`dois.selectors.locations`: places, rounded for visitors and volunteers
- :mod:`dois.selectors.photos`: the photos a user sees, their edits, uploaders' lists
- :mod:`dois.selectors.jobs`: identification jobs, model versions and training runs
- :mod:`dois.selectors.outlines`: outlines and edge overlays
- :mod:`dois.selectors.review`: the researcher's review queue and recent decisions
- :mod:`dois.selectors.leaderboard`: the model leaderboard's rows

The public names are re-exported here: ``from dois import selectors`` then
``selectors.individual_get(...)``.
"""

from dois.selectors.catalogue import (
    BEST_FIRST,
    MergeSide,
    SightingRow,
    gallery_photos,
    individual_best_photos,
    individual_gallery,
    individual_get,
    individual_list,
    individual_merges_into,
    individual_sightings,
    individuals_best_photos,
    map_points,
    merge_preview,
)
from dois.selectors.jobs import (
    JobCandidateView,
    JobView,
    job_candidates,
    job_delayed,
    job_error_text,
    job_get,
    job_status_data,
    job_view,
    jobs_delayed_count,
    jobs_of_photo,
    model_versions,
    training_run_status_data,
    training_runs,
)
from dois.selectors.leaderboard import (
    METRICS,
    BoardRow,
    board_history,
    board_rows,
    member_board_summary,
    submission_get,
    submissions_of,
)
from dois.selectors.locations import (
    KM_PER_DEGREE,
    Place,
    location_round,
    photo_exif_place,
    sighting_place,
)
from dois.selectors.outlines import (
    EdgeOverlay,
    OutlineDrawing,
    edge_outline_method,
    edge_overlays,
    jobs_outline_flags,
    outline_current,
    outline_data,
    outline_drawing,
    outline_history,
    outline_method_of,
    outline_reason_text,
    outlines_current,
    photos_outlines,
)
from dois.selectors.photos import (
    Agreement,
    photo_edits,
    photo_list_for_uploader,
    photo_list_visible,
    photos_visible,
    sighting_list_visible,
    volunteer_agreement,
)
from dois.selectors.review import (
    CompareView,
    RecentDecision,
    ReviewCandidate,
    ReviewItem,
    ReviewNeighbours,
    compare_view,
    decision_in_force_latest,
    decisions_recent,
    photo_job_current,
    review_item,
    review_neighbours,
    review_queue,
    review_skipped_photos,
)

__all__ = [
    "BEST_FIRST", "KM_PER_DEGREE", "METRICS", "Agreement", "BoardRow", "CompareView",
    "EdgeOverlay", "JobCandidateView", "JobView", "MergeSide", "OutlineDrawing", "Place",
    "RecentDecision", "ReviewCandidate", "ReviewItem", "ReviewNeighbours", "SightingRow",
    "board_history", "board_rows", "compare_view", "decision_in_force_latest",
    "decisions_recent", "edge_outline_method", "edge_overlays", "gallery_photos",
    "individual_best_photos", "individual_gallery", "individual_get", "individual_list",
    "individual_merges_into", "individual_sightings", "individuals_best_photos",
    "job_candidates", "job_delayed", "job_error_text", "job_get", "job_status_data",
    "job_view", "jobs_delayed_count", "jobs_of_photo", "jobs_outline_flags",
    "location_round", "map_points", "member_board_summary", "merge_preview",
    "model_versions", "outline_current", "outline_data", "outline_drawing",
    "outline_history", "outline_method_of", "outline_reason_text", "outlines_current",
    "photo_edits", "photo_exif_place", "photo_job_current", "photo_list_for_uploader",
    "photo_list_visible", "photos_outlines", "photos_visible", "review_item",
    "review_neighbours", "review_queue", "review_skipped_photos", "sighting_list_visible",
    "sighting_place", "submission_get", "submissions_of", "training_run_status_data",
    "training_runs", "volunteer_agreement",
]
