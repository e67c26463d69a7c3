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


class EventsModelSubmissionSerializer(serializers.Serializer):
    """A model on the DoIs leaderboard, as anyone may see it there."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    author = serializers.CharField(help_text="The member's display name (never an email).")
    map5 = serializers.FloatField(allow_null=True)
    top1 = serializers.FloatField(allow_null=True)
    top5 = serializers.FloatField(allow_null=True)
    url = serializers.CharField(help_text="The submission's page on the leaderboard.")
    board_row_url = serializers.CharField(
        help_text="The submission's row on the full leaderboard (its anchor).")


def _submission_api(context: dict, data: dict | None) -> dict | None:
    if not data:
        return None
    return {"id": data["id"], "name": data["name"], "author": data["author"],
            "map5": data.get("map5"), "top1": data.get("top1"), "top5": data.get("top5"),
            "url": _absolute(context, data["url"]),
            "board_row_url": _absolute(context, data.get("board_row_url")
                                       or data.get("board_url") or data["url"])}


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
    model_submission = serializers.SerializerMethodField(
        help_text="The leaderboard model the talk presents, while anyone may see it "
                  "there; null otherwise.")

    class Meta:
        model = Talk
        fields = ["id", "title", "title_en", "title_zh", "abstract", "abstract_en",
                  "abstract_zh", "starts_at", "remote", "speakers", "model_submission"]

    @extend_schema_field(EventsModelSubmissionSerializer(allow_null=True))
    def get_model_submission(self, obj: Talk) -> dict | None:
        found = self.context.get("talk_submissions")
        if found is None:  # a talk on its own: one look-up
            found = selectors.talk_submissions(talks=[obj])
        return _submission_api(self.context, found.get(obj.model_submission))

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
                  "timezone", "model_night", "venue",
                  "series", "tags", "capacity", "rsvp_deadline", "published_at", "api_url",
                  "page_url"]

    def get_api_url(self, obj: Event) -> str:
        return _absolute(self.context, reverse("events-event-detail", kwargs={"slug": obj.slug}))

    def get_page_url(self, obj: Event) -> str:
        return _absolute(self.context, obj.get_absolute_url())


class EventsChallengeRowSerializer(EventsModelSubmissionSerializer):
    rank = serializers.IntegerField(help_text="Rank among the challenge's models.")
    board_rank = serializers.IntegerField(help_text="Rank on the whole leaderboard.")
    submitted_at = serializers.DateTimeField()


class EventsChallengePendingSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["queued", "running"])
    submitted_at = serializers.DateTimeField()


class EventsChallengeSerializer(serializers.Serializer):
    """A model night's challenge: the window and, once it opened, its board."""

    opens_at = serializers.DateTimeField(help_text="Submissions count from this time.")
    closes_at = serializers.DateTimeField(help_text="...until this time (excluded).")
    state = serializers.ChoiceField(choices=["upcoming", "open", "closed"])
    available = serializers.BooleanField(help_text="False where the site has no "
                                                   "leaderboard.")
    board_url = serializers.CharField(help_text="The full leaderboard.")
    submit_url = serializers.CharField(help_text="Where members submit a model.")
    board = EventsChallengeRowSerializer(
        many=True, help_text="Scored models submitted in the window, ranked by MAP@5 as "
                             "the leaderboard ranks them (empty before it opens).")
    pending = EventsChallengePendingSerializer(
        many=True, help_text="Models submitted in the window still being evaluated "
                             "(not named until they are scored), the first ten.")
    pending_count = serializers.IntegerField(
        help_text="How many models submitted in the window are still being evaluated.")


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
    challenge = serializers.SerializerMethodField(
        help_text="The model night's challenge; null if the event hosts none.")

    class Meta(EventsEventSummarySerializer.Meta):
        fields = [*EventsEventSummarySerializer.Meta.fields, "description", "description_en",
                  "description_zh", "attendance", "challenge",
                  "talks", "recordings", "materials", "photos", "posts"]

    def to_representation(self, instance: Event) -> dict:
        # the talks' linked submissions in one look-up, not one per talk
        self.context["talk_submissions"] = selectors.talk_submissions(
            talks=instance.talks.all())
        return super().to_representation(instance)

    @extend_schema_field(EventsChallengeSerializer(allow_null=True))
    def get_challenge(self, obj: Event) -> dict | None:
        challenge = selectors.event_challenge(event=obj)
        if challenge is None:
            return None
        return EventsChallengeSerializer({
            "opens_at": challenge.opens_at, "closes_at": challenge.closes_at,
            "state": challenge.state, "available": challenge.available,
            "board_url": _absolute(self.context, challenge.board_url),
            "submit_url": _absolute(self.context, challenge.submit_url),
            "board": [{**_submission_api(self.context, row), "rank": row["rank"],
                       "board_rank": row["board_rank"], "submitted_at": row["submitted_at"]}
                      for row in challenge.rows],
            "pending": challenge.pending, "pending_count": challenge.pending_count},
            context=self.context).data

    @extend_schema_field(EventsAttendanceSerializer)
    def get_attendance(self, obj: Event) -> dict:
        counts = selectors.attendance_counts(event=obj)
        return {"onsite": counts.onsite, "online": counts.online, "total": counts.total,
                "onsite_checked_in": counts.onsite_checked_in,
                "onsite_walk_ins": counts.onsite_walk_ins,
                "online_checked_in": counts.online_checked_in,
                "online_walk_ins": counts.online_walk_ins}
