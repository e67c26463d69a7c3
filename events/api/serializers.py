"""API representations of events and posts. Links are absolute, so scripts can follow
them; the component names start with ``Events`` so they never clash with other apps'."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events import selectors
from events.models import Event, Material, Photo, Post, Recording, Speaker, Talk, Venue


def _absolute(context: dict, url: str) -> str:
    request = context.get("request")
    if not url:
        return ""
    return request.build_absolute_uri(url) if request is not None else url


class EventsVenueSerializer(serializers.ModelSerializer):
    map_url = serializers.CharField(source="map_link", read_only=True)

    class Meta:
        model = Venue
        fields = ["name", "address", "latitude", "longitude", "directions", "map_url"]


class EventsSpeakerSerializer(serializers.ModelSerializer):
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Speaker
        fields = ["slug", "name", "url", "page_url"]

    def get_page_url(self, obj: Speaker) -> str:
        return _absolute(self.context, obj.get_absolute_url())


class EventsTalkSpeakerSerializer(EventsSpeakerSerializer):
    """A speaker of a talk, with whether they join remotely."""

    remote = serializers.BooleanField(read_only=True)

    class Meta(EventsSpeakerSerializer.Meta):
        fields = [*EventsSpeakerSerializer.Meta.fields, "remote"]


class EventsTalkSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="display_title", read_only=True,
                                  help_text="In the request's language, else the other.")
    title_en = serializers.CharField(source="title", read_only=True)
    abstract = serializers.CharField(source="display_abstract", read_only=True,
                                     help_text="Markdown, in the request's language, else "
                                               "the other.")
    abstract_en = serializers.CharField(source="abstract", read_only=True)
    speakers = serializers.SerializerMethodField()
    remote = serializers.BooleanField(read_only=True,
                                      help_text="Whether any speaker joins remotely.")

    class Meta:
        model = Talk
        fields = ["id", "title", "title_en", "title_zh", "abstract", "abstract_en",
                  "abstract_zh", "starts_at", "remote", "speakers"]

    @extend_schema_field(EventsTalkSpeakerSerializer(many=True))
    def get_speakers(self, obj: Talk) -> list[dict]:
        """The speakers in their order, each with ``remote``."""
        rows = []
        for ts in obj.lineup:
            data = EventsSpeakerSerializer(ts.speaker, context=self.context).data
            rows.append({**data, "remote": ts.remote})
        return rows


class EventsRecordingSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.SerializerMethodField()
    embed_url = serializers.CharField(read_only=True)

    class Meta:
        model = Recording
        fields = ["id", "talk", "title", "kind", "provider", "url", "access_code",
                  "duration_seconds", "embed_url"]

    def get_duration_seconds(self, obj: Recording) -> int | None:
        return int(obj.duration.total_seconds()) if obj.duration else None


class EventsMaterialSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = ["id", "talk", "title", "kind", "url", "file_url", "page_url"]

    def get_file_url(self, obj: Material) -> str:
        """The uploaded file, if any (served by a view that checks who may see it)."""
        return _absolute(self.context, obj.file_url)

    def get_page_url(self, obj: Material) -> str:
        """The rendered page of an uploaded notebook, if any."""
        return _absolute(self.context, obj.get_absolute_url() if obj.is_rendered_notebook
                         else "")


class EventsPhotoSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["id", "caption", "width", "height", "image_url", "thumbnail_url"]

    def get_image_url(self, obj: Photo) -> str:
        """The photo through the site's view, or the external image's own link."""
        return _absolute(self.context, obj.src)

    def get_thumbnail_url(self, obj: Photo) -> str:
        return _absolute(self.context, obj.thumb_src)


class EventsAttendanceSerializer(serializers.Serializer):
    """Who came: checked-in members plus people counted who never registered."""

    onsite = serializers.IntegerField()
    online = serializers.IntegerField()
    total = serializers.IntegerField()
    onsite_checked_in = serializers.IntegerField()
    onsite_walk_ins = serializers.IntegerField()
    online_checked_in = serializers.IntegerField()
    online_walk_ins = serializers.IntegerField()


class EventsPostSummarySerializer(serializers.ModelSerializer):
    api_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    event = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    categories = serializers.ListField(child=serializers.CharField(), read_only=True)
    translation = serializers.SlugRelatedField(
        slug_field="slug", read_only=True,
        help_text="The slug of the same post in the other language, if any.")

    class Meta:
        model = Post
        fields = ["slug", "title", "description", "author", "categories", "tags",
                  "language", "published_at", "event", "translation", "api_url", "page_url"]

    def get_api_url(self, obj: Post) -> str:
        return _absolute(self.context, reverse("events-post-detail", kwargs={"slug": obj.slug}))

    def get_page_url(self, obj: Post) -> str:
        return _absolute(self.context, obj.get_absolute_url())


class EventsPostSerializer(EventsPostSummarySerializer):
    class Meta(EventsPostSummarySerializer.Meta):
        fields = [*EventsPostSummarySerializer.Meta.fields, "body"]


class EventsEventSummarySerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="display_title", read_only=True,
                                  help_text="In the request's language (the URL's or "
                                            "Accept-Language), else the other.")
    title_en = serializers.CharField(source="title", read_only=True)
    venue = serializers.CharField(source="venue.name", default="", read_only=True)
    series = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    api_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Event
        # no stream link: it is for members who RSVP'd online (see the event page)
        fields = ["slug", "title", "title_en", "title_zh", "status", "starts_at", "ends_at",
                  "timezone", "venue",
                  "series", "tags", "capacity", "rsvp_deadline", "published_at", "api_url",
                  "page_url"]

    def get_api_url(self, obj: Event) -> str:
        return _absolute(self.context, reverse("events-event-detail", kwargs={"slug": obj.slug}))

    def get_page_url(self, obj: Event) -> str:
        return _absolute(self.context, obj.get_absolute_url())


class EventsEventSerializer(EventsEventSummarySerializer):
    description = serializers.CharField(source="display_description", read_only=True,
                                        help_text="Markdown, in the request's language, "
                                                  "else the other.")
    description_en = serializers.CharField(source="description", read_only=True)
    venue = EventsVenueSerializer(read_only=True, allow_null=True)
    talks = EventsTalkSerializer(many=True, read_only=True)
    recordings = EventsRecordingSerializer(many=True, read_only=True)
    materials = EventsMaterialSerializer(many=True, read_only=True)
    photos = EventsPhotoSerializer(many=True, read_only=True)
    posts = EventsPostSummarySerializer(many=True, read_only=True)
    attendance = serializers.SerializerMethodField()

    class Meta(EventsEventSummarySerializer.Meta):
        fields = [*EventsEventSummarySerializer.Meta.fields, "description", "description_en",
                  "description_zh", "attendance",
                  "talks", "recordings", "materials", "photos", "posts"]

    @extend_schema_field(EventsAttendanceSerializer)
    def get_attendance(self, obj: Event) -> dict:
        counts = selectors.attendance_counts(event=obj)
        return {"onsite": counts.onsite, "online": counts.online, "total": counts.total,
                "onsite_checked_in": counts.onsite_checked_in,
                "onsite_walk_ins": counts.onsite_walk_ins,
                "online_checked_in": counts.online_checked_in,
                "online_walk_ins": counts.online_walk_ins}
