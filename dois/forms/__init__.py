"""Input of the DoIs pages, by sub-domain.

- :mod:`dois.forms.photos`: a sighting with its photos, correcting a photo
- :mod:`dois.forms.catalogue`: an individual's details, merging two
- :mod:`dois.forms.review`: the researcher's decision
- :mod:`dois.forms.outlines`: correcting an outline
- :mod:`dois.forms.jobs`: starting a training run
- :mod:`dois.forms.leaderboard`: submitting a model
- :mod:`dois.forms.exports`: choosing an export

The public names are re-exported here: ``from dois.forms import PhotosForm``.
"""

from dois.forms.catalogue import IndividualForm, MergeForm, individual_from_code
from dois.forms.exports import ExportForm
from dois.forms.jobs import TrainingRunForm
from dois.forms.leaderboard import SubmissionForm
from dois.forms.outlines import OutlineCorrectionForm
from dois.forms.photos import PhotoCorrectionForm, PhotosForm, SightingForm
from dois.forms.review import QUALITY_CHOICES, DecisionForm

__all__ = [
    "QUALITY_CHOICES", "DecisionForm", "ExportForm", "IndividualForm", "MergeForm",
    "OutlineCorrectionForm", "PhotoCorrectionForm", "PhotosForm",
    "SightingForm", "SubmissionForm", "TrainingRunForm", "individual_from_code",
]
