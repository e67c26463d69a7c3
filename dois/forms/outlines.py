"""Correcting a photo's outline (issue 13)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


def _points(raw: str, *, most: int) -> list[list[str]]:
    """``"x,y x,y ..."`` -> ``[[x, y], ...]`` (numbers checked by the service)."""
    points = [p.split(",") for p in (raw or "").split()]
    if len(points) > most or any(len(p) != 2 for p in points):
        raise forms.ValidationError(_("Points are written x,y and separated by spaces."))
    return points


class OutlineCorrectionForm(forms.Form):
    """A person's check of a photo's outline: accept it, move the tip and the ends, or
    redraw the trailing edge (``outline.js`` fills the hidden fields; points ``x,y`` in
    pixels of the outline's frame)."""

    action = forms.ChoiceField(choices=[("accept", _("Accept")), ("move", _("Move points")),
                                        ("redraw", _("Redraw the edge"))])
    tip = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)
    trailing_end = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)
    leading_end = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)
    trailing = forms.CharField(required=False, max_length=60000, widget=forms.HiddenInput)
    facing = forms.ChoiceField(
        label=_("The fin faces"), required=False,
        choices=[("", _("as traced")), ("left", _("left (the animal swims to the left)")),
                 ("right", _("right (the animal swims to the right)"))])
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    outline = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def _point(self, name: str):
        points = _points(self.cleaned_data.get(name, ""), most=1)
        return points[0] if points else None

    def clean_tip(self):
        return self._point("tip")

    def clean_trailing_end(self):
        return self._point("trailing_end")

    def clean_leading_end(self):
        return self._point("leading_end")

    def clean_trailing(self):
        return _points(self.cleaned_data.get("trailing", ""), most=2000) or None
