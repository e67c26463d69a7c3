"""The leaderboard's submission form (the checks of the file are in the service)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SubmissionForm(forms.Form):
    file = forms.FileField(
        label=_("TFLite model"), allow_empty_file=False,
        help_text=_("A .tflite file of at most 50 MB: one input N × H × W × 3 (images), one "
                    "output N × D (embeddings)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".tflite"}))
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    notebook_url = forms.URLField(label=_("Notebook link"), required=False, max_length=500,
                                  assume_scheme="https",
                                  help_text=_("Where others can read how it was trained."))
