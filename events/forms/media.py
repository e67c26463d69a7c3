"""Forms of recordings, materials and photos."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import MultipleFileField, MultipleFileInput
from events.forms.base import EMPTY_CHOICE
from events.models import Material, Recording, Talk


class _EventTalkMixin:
    def _limit_talks(self, event) -> None:
        self.fields["talk"].queryset = Talk.objects.filter(event=event)


class RecordingForm(_EventTalkMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Recording.Kind.choices)
    provider = forms.ChoiceField(label=_("Provider"), choices=Recording.Provider.choices)
    url = forms.URLField(label=_("Link"), max_length=500)
    access_code = forms.CharField(label=_("Access code"), max_length=40, required=False,
                                  help_text=_("Only where the drive needs one."))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1,
                                          required=False)
    talk = forms.ModelChoiceField(label=_("Talk"), queryset=Talk.objects.none(), required=False,
                                  empty_label=EMPTY_CHOICE)

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_talks(event)

    def clean(self):
        data = super().clean()
        minutes = data.get("duration_minutes")
        data["duration"] = timedelta(minutes=minutes) if minutes else None
        return data

    @classmethod
    def initial_for(cls, recording) -> dict:
        minutes = None
        if recording.duration:
            minutes = max(1, round(recording.duration.total_seconds() / 60))
        return {"title": recording.title, "kind": recording.kind,
                "provider": recording.provider, "url": recording.url,
                "access_code": recording.access_code, "duration_minutes": minutes,
                "talk": recording.talk_id}


class MaterialForm(_EventTalkMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Material.Kind.choices)
    url = forms.URLField(label=_("Link"), max_length=500, required=False)
    file = forms.FileField(
        label=_("File"), required=False,
        help_text=_("Slides: PDF, PowerPoint (.pptx, .ppt), OpenDocument (.odp), an image "
                    "or a .zip. Code: a UTF-8 text file or a .zip. Notebook: .ipynb. HTML, "
                    "SVG and JavaScript files are not accepted."))
    talk = forms.ModelChoiceField(label=_("Talk"), queryset=Talk.objects.none(), required=False,
                                  empty_label=EMPTY_CHOICE)

    def __init__(self, *args, event, material=None, **kwargs):
        """``material``: the one being edited; its stored file counts as given."""
        self.has_file = bool(material is not None and material.file)
        super().__init__(*args, **kwargs)
        self._limit_talks(event)
        if self.has_file:
            self.fields["file"].help_text = _(
                "Leave empty to keep %(name)s; a new file replaces it.") % {
                "name": material.download_name}

    def clean(self):
        data = super().clean()
        if not data.get("url") and not data.get("file") and not self.has_file:
            raise forms.ValidationError(_("Give a link or upload a file."))
        return data

    @classmethod
    def initial_for(cls, material) -> dict:
        return {"title": material.title, "kind": material.kind, "url": material.url,
                "talk": material.talk_id}


class PhotoUploadForm(forms.Form):
    photos = MultipleFileField(label=_("Photos"),
                               widget=MultipleFileInput(attrs={"accept": "image/*"}),
                               help_text=_("Choose several files at once."))
    caption = forms.CharField(label=_("Caption"), max_length=300, required=False)


class CaptionForm(forms.Form):
    caption = forms.CharField(label=_("Caption"), max_length=300, required=False)
