"""The DoIs data model, by sub-domain: the catalogue, sightings, photos, decisions and the
job side. Business rules live in :mod:`dois.services`; reads in :mod:`dois.selectors`.
Models hold data, choices, constraints, QuerySet helpers and URLs only.

- :mod:`dois.models.catalogue`: individuals, their numbering and merges
- :mod:`dois.models.photos`: sightings, photos and photo edits
- :mod:`dois.models.decisions`: encounters, decisions, daily digests
- :mod:`dois.models.outlines`: fin outlines
- :mod:`dois.models.identification`: model versions, embeddings, jobs, candidates, training
- :mod:`dois.models.leaderboard`: evaluation split versions and submissions
- :mod:`dois.models.exports`: export runs

All models belong to the ``dois`` app; ``from dois.models import Photo`` as before.
"""

from dois.models.catalogue import CatalogueCounter, Individual, IndividualMerge, IndividualQuerySet
from dois.models.decisions import Decision, DecisionDigest, Encounter
from dois.models.exports import ExportRun
from dois.models.identification import (
    Candidate,
    Embedding,
    IdentificationJob,
    ModelVersion,
    TrainingRun,
)
from dois.models.leaderboard import EvalSplitVersion, Submission
from dois.models.outlines import Outline
from dois.models.photos import Photo, PhotoEdit, PhotoQuerySet, Sighting

__all__ = [
    "Candidate", "CatalogueCounter", "Decision", "DecisionDigest", "Embedding", "Encounter",
    "EvalSplitVersion", "ExportRun", "IdentificationJob", "Individual", "IndividualMerge",
    "IndividualQuerySet", "ModelVersion", "Outline", "Photo", "PhotoEdit", "PhotoQuerySet",
    "Sighting", "Submission", "TrainingRun",
]
