from django import forms
from django.utils.translation import gettext_lazy as _


class TrainingRunForm(forms.Form):
    epochs = forms.IntegerField(label=_("Epochs"), min_value=1, max_value=500, initial=10)
    synthetic = forms.IntegerField(
        label=_("Synthetic individuals"), min_value=0, max_value=5000, initial=300,
        help_text=_("Added when the catalogue has fewer than 500 confirmed training photos."))
