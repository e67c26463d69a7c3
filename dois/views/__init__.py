"""DoIs pages, by sub-domain. Each view checks access, validates input and makes one
service or selector call; the rules are in :mod:`dois.services` and :mod:`dois.selectors`.

- :mod:`dois.views.individuals`: the catalogue, an individual, edit, merge, split
- :mod:`dois.views.photos`: submitting, my photos, correcting a photo, its images
- :mod:`dois.views.decisions`: the researcher's review: queue, one photo, skip, undo
- :mod:`dois.views.outlines`: a photo's outline and its correction
- :mod:`dois.views.jobs`: an identification job, training runs, model versions
- :mod:`dois.views.submissions`: the model leaderboard: the board, submissions
- :mod:`dois.views.exports`: exports

The views are re-exported here (the modules are not named like a view in them).
"""

from dois.views.decisions import (
    decision_undo,
    decision_undo_last,
    review,
    review_compare,
    review_queue,
    review_skip,
    review_unskip,
)
from dois.views.exports import (
    export_capture_csv,
    export_capture_inp,
    export_dataset_zip,
    export_download,
    export_index,
)
from dois.views.individuals import (
    catalogue,
    individual_detail,
    individual_edit,
    individual_merge,
    individual_split,
)
from dois.views.jobs import job_detail, model_activate, training, training_run_status
from dois.views.outlines import photo_outline
from dois.views.photos import my_photos, photo_edit, photo_image, photo_original, submit
from dois.views.submissions import (
    NOTEBOOK,
    leaderboard,
    leaderboard_dataset,
    leaderboard_notebook,
    leaderboard_promote,
    leaderboard_requeue,
    leaderboard_submission,
    leaderboard_submit,
)

__all__ = [
    "NOTEBOOK", "catalogue", "decision_undo", "decision_undo_last", "export_capture_csv",
    "export_capture_inp", "export_dataset_zip", "export_download", "export_index",
    "individual_detail", "individual_edit", "individual_merge", "individual_split",
    "job_detail", "leaderboard", "leaderboard_dataset", "leaderboard_notebook",
    "leaderboard_promote", "leaderboard_requeue", "leaderboard_submission",
    "leaderboard_submit", "model_activate", "my_photos", "photo_edit", "photo_image",
    "photo_original", "photo_outline", "review", "review_compare", "review_queue",
    "review_skip", "review_unskip", "submit", "training", "training_run_status",
]
