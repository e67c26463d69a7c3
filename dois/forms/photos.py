"""Photo forms: a sighting with its photos, and correcting a photo."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common.forms import MultipleFileInput
from dois.forms.catalogue import individual_from_code
from dois.models import Photo, Sighting
from dois.services.photos import PhotoOptions


class SightingForm(forms.ModelForm):
    class Meta:
        model = Sighting
        fields = ["observed_at", "latitude", "longitude", "area", "trip", "observers",
                  "group_size", "notes"]
        widgets = {
            "observed_at": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                               format="%Y-%m-%dT%H:%M"),
            "latitude": forms.NumberInput(attrs={"step": "any"}),
            "longitude": forms.NumberInput(attrs={"step": "any"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "latitude": _("Decimal degrees, e.g. 22.2345. Only researchers see the exact "
                          "place."),
        }


class PhotosForm(forms.Form):
    """The files of one sighting, with each file's crop box, side and guess.

    Per-file fields are named ``crop-<i>`` (``x,y,w,h`` as fractions of the image),
    ``side-<i>`` and ``guess-<i>`` (a catalogue code; empty: don't know), ``i`` being
    the file's position in ``images``.
    """

    images = forms.Field(
        label=_("Photos"), required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
        help_text=_("Choose files or a whole folder; each file is checked on its own."),
    )
    side = forms.ChoiceField(label=_("Side of the fin (default)"), choices=Photo.Side.choices,
                             initial=Photo.Side.UNKNOWN)
    guess = forms.CharField(label=_("Which individual do you think it is? (default)"),
                            required=False, max_length=20,
                            help_text=_("A catalogue code such as PRE-0042; leave empty if "
                                        "you don't know."))
    is_public = forms.BooleanField(label=_("Show these photos publicly once confirmed"),
                                   required=False, initial=True)

    def __init__(self, *args, files_list=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.files_list = files_list or []

    def clean_images(self):
        if not self.files_list:
            raise forms.ValidationError(_("Choose at least one photo."))
        if len(self.files_list) > settings.DATA_UPLOAD_MAX_NUMBER_FILES:
            raise forms.ValidationError(_("Too many files at once."))
        return self.files_list

    def clean_guess(self):
        return individual_from_code(self.cleaned_data.get("guess", ""))

    def file_options(self) -> list[PhotoOptions]:
        """One :class:`PhotoOptions` per file, from the per-file fields or the defaults.

        A per-file value that cannot be understood (a crop box that is not four numbers,
        an unknown side or catalogue code) is never replaced by a default: it becomes a
        problem of that file, which is then refused with the message (the rest are kept).
        """
        data = self.data
        options = []
        for i, _file in enumerate(self.files_list):
            problems: dict[str, str] = {}
            crop = None
            raw = data.get(f"crop-{i}", "").strip()
            if raw:
                crop = [part.strip() for part in raw.split(",")]
                if len(crop) != 4:
                    problems["crop"] = str(_("The crop box needs four numbers: x, y, width, "
                                             "height."))
            side = data.get(f"side-{i}") or self.cleaned_data["side"]
            if side not in Photo.Side.values:
                problems["side"] = str(_("Unknown side %(side)s: choose left, right or "
                                         "unknown.") % {"side": side[:20]})
                side = Photo.Side.UNKNOWN
            guess = self.cleaned_data["guess"]
            if f"guess-{i}" in data:
                try:
                    guess = individual_from_code((data.get(f"guess-{i}") or "")[:40])
                except forms.ValidationError as exc:
                    problems["guess"] = " ".join(exc.messages)
                    guess = None
            options.append(PhotoOptions(crop=crop, crop_fractions=True, side=side,
                                        proposed_individual=guess,
                                        is_public=self.cleaned_data["is_public"],
                                        problems=problems))
        return options


class PhotoCorrectionForm(forms.Form):
    """A correction of a photo's fin box (fractions ``x,y,w,h``), side and guess."""

    crop = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    side = forms.ChoiceField(label=_("Side of the fin"), choices=Photo.Side.choices)
    guess = forms.CharField(label=_("Which individual do you think it is?"), required=False,
                            max_length=20,
                            help_text=_("A catalogue code such as PRE-0042; leave empty if "
                                        "you don't know."))
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, photo: Photo, **kwargs):
        kwargs.setdefault("initial", {
            "side": photo.side, "revision": photo.revision,
            "guess": photo.proposed_individual.code if photo.proposed_individual else "",
            "crop": ",".join(f"{v:.4f}" for v in (
                photo.crop_x / photo.width, photo.crop_y / photo.height,
                photo.crop_w / photo.width, photo.crop_h / photo.height))})
        super().__init__(*args, **kwargs)

    def clean_crop(self):
        raw = (self.cleaned_data.get("crop") or "").strip()
        if not raw:
            return None
        parts = [p.strip() for p in raw.split(",")]
        if len(parts) != 4:
            raise forms.ValidationError(_("The crop box needs four numbers: x, y, width, "
                                          "height."))
        return parts

    def clean_guess(self):
        return individual_from_code(self.cleaned_data.get("guess", ""))
