"""Catalogue forms: an individual's details and merging two, and finding one by code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dois.models import Individual


def individual_from_code(code: str) -> Individual | None:
    code = (code or "").strip()
    if not code:
        return None
    individual = Individual.objects.filter(code__iexact=code).first()
    if individual is None:
        raise forms.ValidationError(_("No individual with the code %(code)s."),
                                    params={"code": code})
    return individual


class IndividualForm(forms.Form):
    """A researcher's curation of one catalogue entry."""

    nickname = forms.CharField(label=_("Nickname"), required=False, max_length=100)
    sex = forms.ChoiceField(label=_("Sex"), choices=Individual.Sex.choices)
    status = forms.ChoiceField(label=_("Status"))
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, individual: Individual, **kwargs):
        kwargs.setdefault("initial", {"nickname": individual.nickname, "sex": individual.sex,
                                      "status": individual.status, "notes": individual.notes})
        super().__init__(*args, **kwargs)
        allowed = [Individual.Status.ACTIVE, Individual.Status.PRESUMED_DEAD]
        if individual.status == Individual.Status.WITHDRAWN:
            allowed.append(Individual.Status.WITHDRAWN)
        self.fields["status"].choices = [c for c in Individual.Status.choices
                                         if c[0] in allowed]


class MergeForm(forms.Form):
    target = forms.CharField(label=_("Merge into (catalogue code)"), max_length=20)

    def clean_target(self):
        individual = individual_from_code(self.cleaned_data["target"])
        if individual is None:
            raise forms.ValidationError(_("Give a catalogue code."))
        return individual
