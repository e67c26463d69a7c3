"""The researcher's decision on a photo."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dois.forms.catalogue import individual_from_code
from dois.models import Decision, Photo

QUALITY_CHOICES = [("", _("— not graded —"))] + [
    (str(n), label) for n, label in (
        (1, _("1 (poor)")), (2, "2"), (3, "3"), (4, "4"), (5, _("5 (excellent)")))]


class DecisionForm(forms.Form):
    """One decision of the review page, with the photo's grade and side.

    A candidate's button posts ``candidate=<code>`` (confirm that individual); the other
    buttons post ``action``. ``quality`` and ``side`` empty: leave the photo's as they are.
    """

    action = forms.ChoiceField(choices=Decision.Action.choices, required=False)
    candidate = forms.CharField(required=False, max_length=20)
    individual = forms.CharField(required=False, max_length=20)
    note = forms.CharField(required=False, max_length=2000)
    quality = forms.TypedChoiceField(label=_("Quality grade"), choices=QUALITY_CHOICES,
                                     coerce=int, empty_value=None, required=False)
    side = forms.ChoiceField(label=_("Side of the fin"), required=False,
                             choices=Photo.Side.choices)

    def __init__(self, *args, photo: Photo | None = None, **kwargs):
        if photo is not None:
            kwargs.setdefault("initial", {"quality": photo.quality or "",
                                          "side": photo.side})
        super().__init__(*args, **kwargs)

    def clean_individual(self):
        return individual_from_code(self.cleaned_data.get("individual", ""))

    def clean_candidate(self):
        return individual_from_code(self.cleaned_data.get("candidate", ""))

    def clean(self):
        data = super().clean()
        if data.get("candidate"):
            data["action"], data["individual"] = Decision.Action.CONFIRM, data["candidate"]
        if not data.get("action") and "action" not in self.errors:
            self.add_error("action", _("Choose a decision."))
        if (data.get("action") == Decision.Action.CONFIRM and not data.get("individual")
                and "individual" not in self.errors):
            self.add_error("individual", _("Choose the individual."))
        if data.get("action") == Decision.Action.UNDO:
            data["quality"], data["side"] = None, ""
        return data
