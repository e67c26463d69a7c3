"""Forms of venues: one venue, and a merge of two."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from events.forms.base import EMPTY_CHOICE
from events.models import Venue


class VenueForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6,
                                  min_value=-90, max_value=90, required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6,
                                   min_value=-180, max_value=180, required=False)
    directions = forms.CharField(label=_("Transit directions"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text=_("Markdown."))
    map_url = forms.URLField(label=_("Map link"), required=False)

    @classmethod
    def initial_for(cls, venue) -> dict:
        return {name: getattr(venue, name) for name in
                ("name", "address", "latitude", "longitude", "directions", "map_url")}


class VenueMergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(label=_("Merge this venue into the one shown"),
                                       queryset=Venue.objects.none(), empty_label=EMPTY_CHOICE)

    def __init__(self, *args, keep, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].queryset = Venue.objects.current().exclude(pk=keep.pk)
