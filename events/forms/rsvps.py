"""Forms of RSVPs and head counts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import RSVP


class RSVPForm(forms.Form):
    mode = forms.ChoiceField(label=_("I will join"), choices=RSVP.Mode.choices,
                             widget=forms.RadioSelect, initial=RSVP.Mode.ONSITE)
    guests = forms.IntegerField(label=_("Guests I bring (on site)"), min_value=0,
                                max_value=20, initial=0, required=False)

    def clean_guests(self):
        return self.cleaned_data.get("guests") or 0


class WalkInsForm(forms.Form):
    onsite = forms.IntegerField(label=_("Counted at the door (not registered)"), min_value=0)
    online = forms.IntegerField(label=_("Counted online (not registered)"), min_value=0)
