"""Choosing an export."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dois.exports import OccasionLength
from dois.models import ExportRun


class ExportForm(forms.Form):
    """What to export: the kind, a date range, the capture occasions' length."""

    kind = forms.ChoiceField(label=_("Export"), choices=ExportRun.Kind.choices,
                             widget=forms.RadioSelect)
    start = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    occasion = forms.ChoiceField(label=_("Capture occasion"),
                                 choices=OccasionLength.choices, initial=OccasionLength.DAY,
                                 help_text=_("For capture histories: one column per survey "
                                             "day, survey trip, week or month."))

    def __init__(self, *args, kinds: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [c for c in ExportRun.Kind.choices if c[0] in kinds]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end date is before the start date."))
        return data
