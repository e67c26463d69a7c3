"""Every write of the DoIs app, by sub-domain.

Functions are keyword-only and named ``<thing>_<action>``; the acting user is ``actor``
(:data:`common.permissions.Actor`). They check permissions themselves
(``PermissionDenied``) and raise ``ValidationError`` for bad input, so views, the API,
tasks and commands can share them.

- :mod:`dois.services.catalogue`: individuals (numbers, merges, splits) and sightings
- :mod:`dois.services.photos`: submitting photos and their derivatives
- :mod:`dois.services.decisions`: decisions on photos (append-only)
- :mod:`dois.services.review`: the researcher's review: decisions together, undo, skip
- :mod:`dois.services.corrections`: corrected crops and photo revisions
- :mod:`dois.services.outlines`: person-made outline corrections
- :mod:`dois.services.jobs`: identification jobs: create, send, fail, re-queue, claim
- :mod:`dois.services.results`: storing identification results
- :mod:`dois.services.identify`: running jobs and computing gallery embeddings
- :mod:`dois.services.edges`: the edge method (outlines, edges, search)
- :mod:`dois.services.gallery`: a version's gallery in memory
- :mod:`dois.services.model_versions`: model versions, shipped versions, loading them
- :mod:`dois.services.sweeps`: the sweep of stuck and missing jobs
- :mod:`dois.services.training`: training runs and activating a model version
- :mod:`dois.services.leaderboard`: members' submissions, their evaluation, the board
- :mod:`dois.services.eval_sets`: the leaderboard's evaluation set and members' dataset
- :mod:`dois.services.digests`: daily digests of decisions
- :mod:`dois.services.exports`: data exports made by a task

The public names are re-exported here: ``from dois import services`` then
``services.photo_submit(...)``. A test that replaces a name patches the module that
defines and uses it (``dois.services.sweeps.SWEEP_REQUEUE_LIMIT``), not this package.
The leaderboard's own ``MAX_ATTEMPTS`` is :data:`dois.services.leaderboard.MAX_ATTEMPTS`.
"""

from dois.services.catalogue import (
    EVAL_PERCENT,
    individual_create,
    individual_merge,
    individual_merge_in_force,
    individual_number_allocate,
    individual_resolve,
    individual_seen_refresh,
    individual_split,
    individual_update,
    individual_withdraw_if_orphaned,
    sighting_create,
)
from dois.services.corrections import (
    UNCHANGED,
    Correction,
    photo_correct,
    photo_revision_bump,
)
from dois.services.decisions import (
    decision_record,
)
from dois.services.digests import (
    DigestReport,
    decision_digests_send,
)
from dois.services.edges import (
    edge_embeddings_compute,
    edge_fins_describe,
    edge_jobs_run,
)
from dois.services.eval_sets import (
    HELD_OUT_PERCENT,
    PROTOCOL,
    EvalSet,
    eval_images,
    eval_set_build,
    eval_split_current,
    eval_split_record,
    held_out_pick,
    members_dataset_zip,
    work_dir,
)
from dois.services.exports import (
    EXPORT_TASK,
    KINDS,
    ExportKind,
    export_allowed,
    export_params_clean,
    export_run_download,
    export_run_execute,
    export_run_request,
    export_runs_recent,
    export_runs_resend,
)
from dois.services.gallery import (
    GALLERY_STATES,
    GalleryIndex,
    gallery_changed,
    gallery_forget,
    gallery_get,
    gallery_key,
)
from dois.services.identify import (
    embeddings_compute,
    gallery_fill_send,
    gallery_photos_missing,
    identification_jobs_run,
)
from dois.services.jobs import (
    EMBED_TASK,
    IDENTIFY_BATCH_TASK,
    IDENTIFY_TASK,
    MAX_ATTEMPTS,
    ClaimedJob,
    ClaimedPhoto,
    RunReport,
    give_up_message,
    identification_job_create,
    identification_job_fail,
    identification_jobs_claim,
    identification_jobs_requeue,
    identification_jobs_send,
    identification_jobs_send_on_commit,
    identify_batch_size,
    job_transaction,
)
from dois.services.leaderboard import (
    DEFAULT_CALIBRATION,
    EVALUATE_TASK,
    MAX_BYTES,
    REFRESH_EVERY_S,
    REFRESH_TASK,
    leaderboard_refresh,
    leaderboard_refresh_soon,
    limits,
    member_label,
    sandbox_message,
    submission_check,
    submission_create,
    submission_evaluate,
    submission_promote,
    submission_requeue,
    submission_send,
)
from dois.services.model_versions import (
    model_load,
    model_version_available,
    model_version_ensure_shipped,
    model_version_file_value,
    model_version_path,
    model_versions_register_shipped,
    segmenter_path,
    served_method,
    shipped_model_path,
    worker_threads,
)
from dois.services.outlines import (
    ACTIONS,
    MAX_POINTS,
    photo_outline_correct,
)
from dois.services.photos import (
    FileResult,
    PhotoOptions,
    photo_crop_normalise,
    photo_derivative,
    photo_derivative_key,
    photo_split_for,
    photo_submit,
    photo_with_sighting_submit,
    photos_submit,
    sighting_with_photos_submit,
)
from dois.services.results import (
    PHOTO_REASONS,
    TOP_K,
    JobResult,
    identification_job_result_store,
    identification_job_results_store,
    photo_bytes,
    photos_prepare,
)
from dois.services.review import (
    SKIPPED_KEY,
    SKIPPED_MAX,
    decision_undo,
    decision_undo_last,
    decisions_record_together,
    review_skip,
    review_skipped,
    review_unskip,
)
from dois.services.sweeps import (
    MODEL_REQUEUE_MAX,
    SWEEP_CREATE_LIMIT,
    SWEEP_REQUEUE_LIMIT,
    SweepReport,
    identification_jobs_missing_create,
    identification_jobs_model_requeue,
    identification_jobs_sweep,
)
from dois.services.training import (
    DEFAULT_PARAMS,
    REEMBED_TASK,
    SMALL_CATALOGUE_PHOTOS,
    TRAIN_TASK,
    model_evaluate,
    model_evaluate_edges,
    model_version_activate,
    model_version_activation_finish,
    model_version_switch,
    training_dataset_write,
    training_run_execute,
    training_run_log,
    training_run_send,
    training_run_start,
    training_runs_sweep,
    training_timeout_s,
)

__all__ = [
    "ACTIONS", "DEFAULT_CALIBRATION", "DEFAULT_PARAMS", "EMBED_TASK", "EVALUATE_TASK",
    "EVAL_PERCENT", "EXPORT_TASK", "GALLERY_STATES", "HELD_OUT_PERCENT",
    "IDENTIFY_BATCH_TASK", "IDENTIFY_TASK", "KINDS", "MAX_ATTEMPTS", "MAX_BYTES",
    "MAX_POINTS", "MODEL_REQUEUE_MAX", "PHOTO_REASONS", "PROTOCOL", "REEMBED_TASK",
    "REFRESH_EVERY_S", "REFRESH_TASK", "SKIPPED_KEY", "SKIPPED_MAX",
    "SMALL_CATALOGUE_PHOTOS", "SWEEP_CREATE_LIMIT", "SWEEP_REQUEUE_LIMIT", "TOP_K",
    "TRAIN_TASK", "UNCHANGED", "ClaimedJob", "ClaimedPhoto", "Correction", "DigestReport",
    "EvalSet", "ExportKind", "FileResult", "GalleryIndex", "JobResult", "PhotoOptions",
    "RunReport", "SweepReport", "decision_digests_send", "decision_record", "decision_undo",
    "decision_undo_last", "decisions_record_together", "edge_embeddings_compute",
    "edge_fins_describe", "edge_jobs_run", "embeddings_compute", "eval_images",
    "eval_set_build", "eval_split_current", "eval_split_record", "export_allowed",
    "export_params_clean", "export_run_download", "export_run_execute",
    "export_run_request", "export_runs_recent", "export_runs_resend", "gallery_changed",
    "gallery_fill_send", "gallery_forget", "gallery_get", "gallery_key",
    "gallery_photos_missing", "give_up_message", "held_out_pick",
    "identification_job_create", "identification_job_fail",
    "identification_job_result_store", "identification_job_results_store",
    "identification_jobs_claim", "identification_jobs_missing_create",
    "identification_jobs_model_requeue", "identification_jobs_requeue",
    "identification_jobs_run", "identification_jobs_send",
    "identification_jobs_send_on_commit", "identification_jobs_sweep",
    "identify_batch_size", "individual_create", "individual_merge",
    "individual_merge_in_force", "individual_number_allocate", "individual_resolve",
    "individual_seen_refresh", "individual_split", "individual_update",
    "individual_withdraw_if_orphaned", "job_transaction", "leaderboard_refresh",
    "leaderboard_refresh_soon", "limits", "member_label", "members_dataset_zip",
    "model_evaluate", "model_evaluate_edges", "model_load", "model_version_activate",
    "model_version_activation_finish", "model_version_available",
    "model_version_ensure_shipped", "model_version_file_value", "model_version_path",
    "model_version_switch", "model_versions_register_shipped", "photo_bytes",
    "photo_correct", "photo_crop_normalise", "photo_derivative", "photo_derivative_key",
    "photo_outline_correct", "photo_revision_bump", "photo_split_for", "photo_submit",
    "photo_with_sighting_submit", "photos_prepare", "photos_submit", "review_skip",
    "review_skipped", "review_unskip", "sandbox_message", "segmenter_path", "served_method",
    "shipped_model_path", "sighting_create", "sighting_with_photos_submit",
    "submission_check", "submission_create", "submission_evaluate", "submission_promote",
    "submission_requeue", "submission_send", "training_dataset_write",
    "training_run_execute", "training_run_log", "training_run_send", "training_run_start",
    "training_runs_sweep", "training_timeout_s", "work_dir", "worker_threads",
]
