"""Input of the DoIs pages: sightings, bulk uploads, decisions, merges."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dois.exports import OccasionLength
from dois.models import Decision, ExportRun, Individual, Photo, Sighting
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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def individual_from_code(code: str) -> Individual | None:
    code = (code or "").strip()
    if not code:
        return None
    individual = Individual.objects.filter(code__iexact=code).first()
    if individual is None:
        raise forms.ValidationError(_("No individual with the code %(code)s."),
                                    params={"code": code})
    return individual


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
