"""API representations; locations follow the same rules as the pages."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dois import rules, selectors
from dois.models import Individual, Photo, Sighting


class IndividualSerializer(serializers.ModelSerializer):
    merged_into = serializers.SlugRelatedField(slug_field="code", read_only=True,
                                               allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Individual
        fields = ["id", "code", "nickname", "sex", "status", "first_seen", "last_seen",
                  "merged_into", "url"]

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class SightingSerializer(serializers.ModelSerializer):
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()
    location_exact = serializers.SerializerMethodField()

    class Meta:
        model = Sighting
        fields = ["id", "observed_at", "latitude", "longitude", "location_exact", "area",
                  "trip", "group_size"]

    def _place(self, obj):
        cache = self.context.setdefault("_places", {})
        if obj.pk not in cache:
            cache[obj.pk] = selectors.sighting_place(sighting=obj,
                                                     user=self.context["request"].user)
        return cache[obj.pk]

    def get_latitude(self, obj) -> float:
        return self._place(obj).latitude

    def get_longitude(self, obj) -> float:
        return self._place(obj).longitude

    def get_location_exact(self, obj) -> bool:
        return self._place(obj).exact


# --- fin outlines (issue 13) -------------------------------------------------------------

def _point(**kwargs):
    return serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2,
                                 **kwargs)


class OutlineCropSerializer(serializers.Serializer):
    x = serializers.IntegerField()
    y = serializers.IntegerField()
    w = serializers.IntegerField()
    h = serializers.IntegerField()


class OutlineSerializer(serializers.Serializer):
    """A photo's fin outline (the shape of ``dois.selectors.outline_data``):
    points in pixels of the crop as traced (``image_size``), never a place."""

    id = serializers.IntegerField()
    photo = serializers.IntegerField()
    crop = OutlineCropSerializer(help_text="The fin box (pixels of the original) it was "
                                           "traced on.")
    made_by = serializers.ChoiceField(["machine", "person"])
    action = serializers.ChoiceField(["", "accept", "move", "redraw"],
                                     help_text="A person's correction; empty for the machine.")
    created_at = serializers.DateTimeField()
    method = serializers.CharField(help_text="The tracing method's version.")
    confidence = serializers.FloatField()
    ok = serializers.BooleanField(help_text="Whether its trailing edge can be compared.")
    reason = serializers.ChoiceField(["ok", "no_fin", "edge_too_short", "tip_cut",
                                      "low_confidence", "bad_image"])
    reason_text = serializers.CharField()
    image_size = serializers.ListField(child=serializers.IntegerField(), min_length=2,
                                       max_length=2, help_text="[width, height] of the crop.")
    facing = serializers.ChoiceField(["left", "right"], allow_null=True,
                                     help_text="left: the animal swims to the left.")
    tip = _point(allow_null=True)
    trailing = serializers.ListField(child=_point(), help_text="The trailing edge from the "
                                                               "tip down.")
    trailing_end = _point(allow_null=True)
    trailing_end_kind = serializers.CharField(allow_null=True)
    leading_end = _point(allow_null=True)
    contour = serializers.ListField(child=_point(), help_text="The whole traced outline.")


class OutlineCorrectionSerializer(serializers.Serializer):
    """``application/json``: a person's check of the photo's current outline."""

    action = serializers.ChoiceField(
        ["accept", "move", "redraw"],
        help_text="accept: as it is; move: tip, trailing_end and/or leading_end moved (the "
                  "edge follows the traced outline); redraw: trailing drawn again.")
    tip = _point(required=False, allow_null=True)
    trailing_end = _point(required=False, allow_null=True)
    leading_end = _point(required=False, allow_null=True)
    trailing = serializers.ListField(child=_point(), required=False, allow_null=True,
                                     min_length=2, max_length=2000,
                                     help_text="redraw: the trailing edge from the tip down.")
    facing = serializers.ChoiceField(["left", "right"], required=False, allow_null=True)
    revision = serializers.IntegerField(
        required=False, allow_null=True, min_value=0,
        help_text="The photo's revision you looked at; refused (409) if it changed since.")
    outline = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                       help_text="The outline id you corrected.")


class OutlineCorrectedSerializer(serializers.Serializer):
    outline = OutlineSerializer(allow_null=True)
    job = serializers.IntegerField(allow_null=True, help_text="The new identification job "
                                                              "(null: nothing changed).")
    revision = serializers.IntegerField(help_text="The photo's revision now.")


class PhotoSerializer(serializers.ModelSerializer):
    """A photo as the caller may see it. Nothing here leads to a stored file: no hash, no
    storage name; images come from the permission-checking ``image_url`` and (researchers
    only) ``original_url`` views."""

    sighting = SightingSerializer(read_only=True)
    individual = serializers.SlugRelatedField(slug_field="code", read_only=True,
                                              allow_null=True)
    proposed_individual = serializers.SlugRelatedField(slug_field="code", read_only=True,
                                                       allow_null=True)
    crop = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()
    exif_latitude = serializers.SerializerMethodField()
    exif_longitude = serializers.SerializerMethodField()
    outline = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["id", "sighting", "individual", "proposed_individual", "state", "side",
                  "quality", "split", "is_public", "width", "height", "crop", "uploaded_at",
                  "exif_taken_at", "exif_latitude", "exif_longitude", "image_url",
                  "original_url", "outline"]

    @extend_schema_field(OutlineSerializer(allow_null=True))
    def get_outline(self, obj) -> dict | None:
        """The photo's current fin outline (``context["outlines"]``: a page's, read at
        once by the view; else this photo's)."""
        outlines = self.context.get("outlines")
        outline = selectors.outline_current(photo=obj) if outlines is None else outlines.get(obj.pk)
        return selectors.outline_data(outline=outline) if outline else None

    @extend_schema_field({"type": "object", "properties": {
        k: {"type": "integer"} for k in ("x", "y", "w", "h")}})
    def get_crop(self, obj) -> dict:
        return {"x": obj.crop_x, "y": obj.crop_y, "w": obj.crop_w, "h": obj.crop_h}

    def get_image_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("dois:photo_image", kwargs={"pk": obj.pk, "kind": "crop"}))

    def get_original_url(self, obj) -> str | None:
        if not rules.user_sees_exact(user=self.context["request"].user):
            return None
        return self.context["request"].build_absolute_uri(
            reverse("dois:photo_original", kwargs={"pk": obj.pk}))

    def _exif(self, obj):
        return selectors.photo_exif_place(photo=obj, user=self.context["request"].user)

    def get_exif_latitude(self, obj) -> float | None:
        place = self._exif(obj)
        return place.latitude if place else None

    def get_exif_longitude(self, obj) -> float | None:
        place = self._exif(obj)
        return place.longitude if place else None


class PhotoSubmitSerializer(serializers.Serializer):
    """``multipart/form-data``: the image, a sighting id or the sighting's fields, the box."""

    image = serializers.FileField()
    sighting = serializers.PrimaryKeyRelatedField(queryset=Sighting.objects.all(),
                                                  required=False, allow_null=True)
    observed_at = serializers.DateTimeField(required=False)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    area = serializers.CharField(required=False, allow_blank=True, max_length=200)
    trip = serializers.CharField(required=False, allow_blank=True, max_length=200)
    observers = serializers.CharField(required=False, allow_blank=True, max_length=500)
    group_size = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    notes = serializers.CharField(required=False, allow_blank=True)
    crop_x = serializers.FloatField(required=False, min_value=0,
                                    help_text="Left edge of the fin box, in crop_unit.")
    crop_y = serializers.FloatField(required=False, min_value=0,
                                    help_text="Top edge of the fin box, in crop_unit.")
    crop_w = serializers.FloatField(required=False, min_value=0,
                                    help_text="Width of the fin box, in crop_unit.")
    crop_h = serializers.FloatField(required=False, min_value=0,
                                    help_text="Height of the fin box, in crop_unit.")
    crop_unit = serializers.ChoiceField(
        choices=[("px", "pixels"), ("fraction", "fractions of the image, 0 to 1")],
        default="px",
        help_text="The unit of crop_x, crop_y, crop_w and crop_h: pixels of the image "
                  "(default) or fractions of its width and height. Never guessed from the "
                  "values.")
    side = serializers.ChoiceField(choices=Photo.Side.choices, default=Photo.Side.UNKNOWN)
    quality = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                       max_value=5)
    proposed_individual = serializers.SlugRelatedField(
        slug_field="code", queryset=Individual.objects.all(), required=False,
        allow_null=True)
    is_public = serializers.BooleanField(default=True)

    SIGHTING_FIELDS = ("observed_at", "latitude", "longitude", "area", "trip", "observers",
                       "group_size", "notes")

    def validate(self, attrs):
        if attrs.get("sighting") is None:
            missing = {name: _("Required when no sighting id is given.")
                       for name in ("observed_at", "latitude", "longitude")
                       if attrs.get(name) is None}
            if missing:
                raise serializers.ValidationError(missing)
        box = [attrs.get(k) for k in ("crop_x", "crop_y", "crop_w", "crop_h")]
        if any(v is not None for v in box) and any(v is None for v in box):
            raise serializers.ValidationError(
                {"crop_w": _("Give all four of crop_x, crop_y, crop_w and crop_h.")})
        attrs["crop"] = box if all(v is not None for v in box) else None
        return attrs

    def sighting_fields(self) -> dict:
        return {k: self.validated_data[k] for k in self.SIGHTING_FIELDS
                if k in self.validated_data}


class PhotoSubmittedSerializer(serializers.Serializer):
    photo = serializers.IntegerField()
    job = serializers.IntegerField(allow_null=True)
    identification_delayed = serializers.BooleanField()
